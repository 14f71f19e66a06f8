import { randomUUID } from "node:crypto";
import type { AnyJobDefinition, JobInfo, JobLogger, JobRun, StopOptions, Worker, WorkerOptions } from "./queue.ts";
import { JobTimeout, WorkerStopped } from "./queue.ts";
import { backoffDelay, decodeEnvelope, describeError, encodeDead, encodeEnvelope, type JobEnvelope, type QueueTransport } from "./transport.ts";
import { type Settings, settingsFrom } from "./worker-settings.ts";

interface Running {
  raw: string;
  controller: AbortController;
  /** Set when stop() gave up on the job: it is requeued, so its outcome is ignored. */
  abandoned: boolean;
  done: Promise<void>;
}

const PROMOTE_BATCH = 100;
/**
 * After a job is aborted (timeout, stop), how long the worker waits at most (and no longer than the
 * job's own timeout) for its handler to actually return before the job is retried or handed back:
 * a handler that honours its signal has let go of its resources (child processes, locks) by then,
 * so a retry never overlaps it.
 */
const ABORT_SETTLE_MS = 15_000;

/** Resolves when work settles, or after ms, whichever comes first. */
function settled(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work.then(noop, noop), waited]).finally(() => clearTimeout(timer));
}

function noop(): void {}

/** Reject with the abort reason as soon as `signal` fires, even if `work` ignores it. */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * One worker: a fetch loop that keeps up to `concurrency` jobs running, plus timers
 * for the heartbeat, promoting due delayed jobs and reaping dead workers. The
 * backend (Redis or memory) is behind QueueTransport, so both share these semantics.
 */
export class QueueWorker implements Worker {
  readonly id = `w-${randomUUID()}`;
  private readonly settings: Settings;
  private readonly logger: JobLogger | undefined;
  private readonly context: ((job: JobInfo) => unknown) | undefined;
  private readonly running = new Set<Running>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private loop: Promise<void> = Promise.resolve();
  private wakeLoop: (() => void) | undefined;

  constructor(
    private readonly definitions: ReadonlyMap<string, AnyJobDefinition>,
    private readonly transport: QueueTransport,
    opts: WorkerOptions<unknown>,
    private readonly onStopped: () => void,
  ) {
    this.settings = settingsFrom(opts);
    this.logger = opts.logger;
    this.context = opts.context;
    this.onJobDone = opts.onJobDone;
  }

  private readonly onJobDone: WorkerOptions["onJobDone"];

  private done(name: string, outcome: "ok" | "retry" | "dead", startedAt: number): void {
    try {
      this.onJobDone?.({ name, outcome, durationMs: performance.now() - startedAt });
    } catch {
      // Metrics never change what happens to a job.
    }
  }

  start(): void {
    const { heartbeatIntervalMs, heartbeatTtlMs, pollMs, reapIntervalMs } = this.settings;
    this.heartbeatTimer = this.every(heartbeatIntervalMs, "heartbeat", () => this.transport.heartbeat(this.id, heartbeatTtlMs));
    this.timers.push(
      this.every(pollMs, "promote delayed jobs", () => this.transport.promoteDue(PROMOTE_BATCH)),
      this.every(reapIntervalMs, "reap dead workers", () => this.transport.reap()),
    );
    this.loop = this.fetchLoop();
  }

  stop(opts: StopOptions = {}): Promise<void> {
    this.stopped ??= this.shutdown(opts.graceMs ?? 10_000);
    return this.stopped;
  }

  /** An interval that skips a tick while the previous run is still busy. */
  private every(ms: number, what: string, task: () => Promise<unknown>): ReturnType<typeof setInterval> {
    let busy = false;
    return setInterval(() => {
      if (busy) return;
      busy = true;
      task()
        .catch((error: unknown) => this.logger?.warn({ err: error, workerId: this.id }, `queue: ${what} failed`))
        .finally(() => {
          busy = false;
        });
    }, ms);
  }

  /** Sleep until `ms` passed or the loop is woken (a slot freed, stop began). */
  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeLoop = done;
    });
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    wake?.();
  }

  private async fetchLoop(): Promise<void> {
    const { heartbeatTtlMs, pollMs, concurrency, queues } = this.settings;
    // The heartbeat must exist before the first job is taken, or a reaper could
    // requeue that job from under us.
    while (!this.stopping) {
      try {
        await this.transport.heartbeat(this.id, heartbeatTtlMs);
        break;
      } catch (error) {
        this.logger?.warn({ err: error, workerId: this.id }, "queue: heartbeat failed");
        await this.nap(pollMs);
      }
    }
    while (!this.stopping) {
      if (this.running.size >= concurrency) {
        await this.nap(pollMs);
        continue;
      }
      let raw: string | null;
      try {
        raw = await this.transport.fetch(this.id, queues, pollMs);
      } catch (error) {
        if (this.stopping) break;
        this.logger?.warn({ err: error, workerId: this.id }, "queue: fetch failed");
        await this.nap(pollMs);
        continue;
      }
      // A job fetched while stopping stays in our processing list; shutdown releases it.
      if (raw !== null && !this.stopping) this.launch(raw);
    }
  }

  private launch(raw: string): void {
    const entry: Running = { raw, controller: new AbortController(), abandoned: false, done: Promise.resolve() };
    this.running.add(entry);
    entry.done = this.execute(entry)
      .catch((error: unknown) => {
        // Only bookkeeping can fail here (the store is down): the job stays in our
        // processing list and is requeued on stop or by a reaper.
        this.logger?.error({ err: error, workerId: this.id }, "queue: could not record a job outcome");
      })
      .finally(() => {
        this.running.delete(entry);
        this.wake();
      });
  }

  private async execute(entry: Running): Promise<void> {
    const { raw, controller } = entry;
    const envelope = decodeEnvelope(raw);
    if (!envelope) {
      const placeholder: JobEnvelope = {
        id: `malformed-${randomUUID()}`,
        name: "(malformed)",
        queue: "default",
        payload: raw,
        attempt: 1,
        enqueuedAt: 0,
      };
      return await this.giveUp(raw, placeholder, "Malformed job envelope");
    }
    const definition = this.definitions.get(envelope.name);
    if (!definition) return await this.giveUp(raw, envelope, `Unknown job ${envelope.name}`);
    // Validation failures are final: retrying the same payload cannot help.
    const parsed = definition.schema.safeParse(envelope.payload);
    if (!parsed.success) return await this.giveUp(raw, envelope, `Invalid payload: ${parsed.error.message}`);

    const info: JobInfo = { jobId: envelope.id, name: envelope.name, attempt: envelope.attempt };
    const run: JobRun = { ...info, signal: controller.signal, ctx: this.context?.(info) };
    if (this.logger) run.logger = this.logger;
    const startedAt = performance.now();
    const timer = setTimeout(() => controller.abort(new JobTimeout(definition.timeoutMs)), definition.timeoutMs);
    let failure: { error: unknown } | undefined;
    const work = Promise.resolve().then(() => definition.handler(parsed.data, run));
    try {
      await untilAborted(work, controller.signal);
    } catch (error) {
      failure = { error };
      if (controller.signal.aborted) await settled(work, Math.min(ABORT_SETTLE_MS, definition.timeoutMs));
    } finally {
      clearTimeout(timer);
    }
    if (entry.abandoned) return;
    if (!failure) {
      this.done(envelope.name, "ok", startedAt);
      return await this.transport.ack(this.id, raw);
    }

    const message = describeError(failure.error);
    if (envelope.attempt <= definition.retries) {
      const delay = backoffDelay(definition.backoffMs, envelope.attempt);
      this.logger?.warn(
        { err: failure.error, jobId: envelope.id, job: envelope.name, attempt: envelope.attempt, retryInMs: delay },
        "queue: job failed, will retry",
      );
      const next = encodeEnvelope({ ...envelope, attempt: envelope.attempt + 1, readyAt: Date.now() + delay });
      this.done(envelope.name, "retry", startedAt);
      return await this.transport.retry(this.id, raw, next, delay);
    }
    this.done(envelope.name, "dead", startedAt);
    return await this.giveUp(raw, envelope, message, failure.error);
  }

  private async giveUp(raw: string, envelope: JobEnvelope, message: string, error?: unknown): Promise<void> {
    this.logger?.error(
      { err: error ?? message, jobId: envelope.id, job: envelope.name, attempt: envelope.attempt },
      "queue: job moved to the dead letter list",
    );
    await this.transport.bury(this.id, raw, envelope.queue, encodeDead(envelope, message, Date.now()));
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.wake();
    await this.transport.interrupt(this.id).catch(() => {
      // Without the interrupt the blocked fetch simply ends at its timeout.
    });
    await this.loop;

    // The heartbeat keeps running during the grace period so nobody reaps our jobs.
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all([...this.running].map((entry) => entry.done)), graceOver]);
    clearTimeout(graceTimer);
    const abandoned = [...this.running];
    for (const entry of abandoned) {
      entry.abandoned = true;
      entry.controller.abort(new WorkerStopped());
    }
    // Handed back only once the handlers let go (bounded by the grace), so nobody runs them twice at once.
    if (abandoned.length > 0) await settled(Promise.all(abandoned.map((entry) => entry.done)), Math.min(ABORT_SETTLE_MS, graceMs));
    clearInterval(this.heartbeatTimer);
    try {
      await this.transport.release(this.id);
    } catch (error) {
      this.logger?.error({ err: error, workerId: this.id }, "queue: could not requeue unfinished jobs; the reaper will");
    }
    await this.transport.closeWorker(this.id).catch(() => {});
    this.onStopped();
  }
}
