import { randomUUID } from "node:crypto";
import type { DeadJob, EnqueueOptions, JobContextOf, JobName, JobRegistry, PayloadsOf, Queue, QueueName, StopOptions, Worker, WorkerOptions } from "./queue.ts";
import { InvalidJobPayload, QUEUE_NAMES, UnknownJob } from "./queue.ts";
import { decodeDead, encodeEnvelope, type JobEnvelope, type QueueTransport, waitingAgeMs } from "./transport.ts";
import { QueueWorker } from "./worker.ts";

/** The Queue API on top of a transport; both backends are built with this. */
export function createQueueFromTransport<R extends JobRegistry>(registry: R, transport: QueueTransport): Queue<R> {
  const definitions = new Map(registry.map((definition) => [definition.name, definition] as const));
  if (definitions.size !== registry.length) throw new Error("Job registry contains duplicate names");
  const workers = new Set<Worker>();
  let closed = false;

  const queue: Queue<R> = {
    async enqueue<N extends JobName<R>>(name: N, payload: PayloadsOf<R>[N], opts: EnqueueOptions = {}) {
      const definition = definitions.get(name);
      if (!definition) throw new UnknownJob(name);
      const parsed = definition.schema.safeParse(payload);
      if (!parsed.success) throw new InvalidJobPayload(name, parsed.error.issues);
      const envelope: JobEnvelope = {
        id: randomUUID(),
        name,
        queue: definition.queue,
        // The input, not the parsed output: the worker parses it again, and
        // transforms (string -> Date, ...) would not survive a second parse.
        payload,
        attempt: 1,
        enqueuedAt: Date.now(),
      };
      const delayMs = Math.max(0, opts.delayMs ?? 0);
      if (delayMs > 0) envelope.readyAt = envelope.enqueuedAt + delayMs;
      await transport.push(definition.queue, encodeEnvelope(envelope), delayMs);
      return envelope.id;
    },

    startWorker(opts: WorkerOptions<JobContextOf<R>>) {
      if (closed) throw new Error("Queue is closed");
      const worker = new QueueWorker(definitions, transport, opts, () => workers.delete(worker));
      workers.add(worker);
      worker.start();
      return worker;
    },

    stats: () => transport.stats(),

    async oldestWaitingAgeMs() {
      const next = await transport.nextInLine();
      const now = Date.now();
      const ages = { high: 0, default: 0, low: 0 };
      for (const name of QUEUE_NAMES) {
        const raw = next[name];
        if (raw !== null) ages[name] = waitingAgeMs(raw, now);
      }
      return ages;
    },

    async listDead(name?: QueueName, limit = 100) {
      const names = name ? [name] : QUEUE_NAMES;
      const jobs: DeadJob[] = [];
      for (const queueName of names) {
        for (const raw of await transport.listDead(queueName, limit)) {
          const dead = decodeDead(raw);
          if (!dead) continue;
          const { attempt, ...rest } = dead;
          jobs.push({ ...rest, attempts: attempt });
        }
      }
      return jobs.sort((a, b) => b.failedAt - a.failedAt).slice(0, limit);
    },

    async retryDead(id: string) {
      for (const queueName of QUEUE_NAMES) {
        // Dead lists are bounded (see the backends), so a scan is fine here.
        for (const raw of await transport.listDead(queueName, Number.MAX_SAFE_INTEGER)) {
          const dead = decodeDead(raw);
          if (dead?.id !== id) continue;
          const { readyAt: _previousDue, ...rest } = dead;
          const fresh: JobEnvelope = { ...rest, attempt: 1, enqueuedAt: Date.now() };
          return await transport.requeueDead(queueName, raw, encodeEnvelope(fresh));
        }
      }
      return false;
    },

    async close(opts?: StopOptions) {
      if (closed) return;
      closed = true;
      await Promise.all([...workers].map((worker) => worker.stop(opts)));
      await transport.close();
    },
  };
  return queue;
}
