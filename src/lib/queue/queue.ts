import type { z } from "zod";

/**
 * Background jobs. Jobs are declared with `defineJob` (see jobs/), collected in a
 * registry, and the queue is typed by that registry so `enqueue(name, payload)` is
 * checked at compile time and validated with the job's zod schema at run time.
 *
 * Implementations: queue-redis.ts (reliable lists, shared by many processes) and
 * queue-memory.ts (the embedded single-process default). Both run the worker loop of
 * queue-worker.ts and share its semantics: priorities, retries with exponential
 * backoff and jitter, a dead-letter list, per-job timeouts and graceful stop.
 *
 * Delivery is at least once: a job can run again after a crash, a lost ack or a
 * stop, so handlers must be idempotent.
 */

export const QUEUE_NAMES = ["high", "default", "low"] as const;
/** Priority classes, polled in this order. */
export type QueueName = (typeof QUEUE_NAMES)[number];

/** The pino-compatible subset the queue logs with. */
export interface JobLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Which job a worker is about to run; what a worker's `context` factory is given. */
export interface JobInfo {
  jobId: string;
  name: string;
  /** 1 for the first run, 2 for the first retry, ... */
  attempt: number;
}

/** The second argument of every handler. */
export interface JobRun<C = unknown> extends JobInfo {
  /** Aborted on timeout and when a stopping worker gives up on the job. */
  signal: AbortSignal;
  /** What the worker's `context` factory built for this run (services get a system context). */
  ctx: C;
  logger?: JobLogger;
}

export interface JobDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType, C = unknown> {
  readonly name: Name;
  readonly schema: Schema;
  readonly queue: QueueName;
  /** Extra attempts after the first failure. */
  readonly retries: number;
  /** Base of the exponential backoff between attempts. */
  readonly backoffMs: number;
  readonly timeoutMs: number;
  // Method syntax on purpose: it makes every definition assignable to AnyJobDefinition.
  handler(payload: z.output<Schema>, run: JobRun<C>): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: any job of a registry, whatever context its handler wants.
export type AnyJobDefinition = JobDefinition<string, z.ZodType, any>;

export interface JobSpec<Name extends string, Schema extends z.ZodType, C> {
  name: Name;
  schema: Schema;
  queue?: QueueName;
  retries?: number;
  backoffMs?: number;
  timeoutMs?: number;
  handler: (payload: z.output<Schema>, run: JobRun<C>) => Promise<void>;
}

const JOB_DEFAULTS = { queue: "default", retries: 3, backoffMs: 1000, timeoutMs: 60_000 } as const;

export function defineJob<const Name extends string, Schema extends z.ZodType, C = unknown>(spec: JobSpec<Name, Schema, C>): JobDefinition<Name, Schema, C> {
  const definition = {
    name: spec.name,
    schema: spec.schema,
    queue: spec.queue ?? JOB_DEFAULTS.queue,
    retries: spec.retries ?? JOB_DEFAULTS.retries,
    backoffMs: spec.backoffMs ?? JOB_DEFAULTS.backoffMs,
    timeoutMs: spec.timeoutMs ?? JOB_DEFAULTS.timeoutMs,
    handler: spec.handler,
  };
  if (!Number.isInteger(definition.retries) || definition.retries < 0) {
    throw new RangeError(`Job ${spec.name}: retries must be an integer >= 0`);
  }
  // Timers overflow (and fire at once) beyond 2^31-1 ms.
  if (!(definition.backoffMs >= 0) || !(definition.timeoutMs > 0 && definition.timeoutMs <= 2 ** 31 - 1)) {
    throw new RangeError(`Job ${spec.name}: backoffMs must be >= 0 and timeoutMs in 1..2^31-1`);
  }
  return definition;
}

/** All jobs a queue knows, e.g. `[sendMail, validateVersion] as const`. */
export type JobRegistry = readonly AnyJobDefinition[];
export type JobName<R extends JobRegistry> = R[number]["name"];
/** What `enqueue` accepts per job: the schema's input (the worker parses it into the output). */
export type PayloadsOf<R extends JobRegistry> = { [D in R[number] as D["name"]]: z.input<D["schema"]> };
/** The context every handler of the registry accepts. */
export type JobContextOf<R extends JobRegistry> = R[number] extends JobDefinition<string, z.ZodType, infer C> ? C : never;

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
}

/** Handlers that want a context get one from every worker: `context` is required for them. */
type WorkerContextOption<C> = unknown extends C ? { context?: (job: JobInfo) => C } : { context: (job: JobInfo) => C };

export interface WorkerOptions<C = unknown> {
  /** Builds each run's `ctx` (the composition root hands services a system context). */
  context?: (job: JobInfo) => C;
  /** Jobs run at the same time by this worker. Default 1. */
  concurrency?: number;
  /** Queues this worker serves, in priority order. Default all. */
  queues?: readonly QueueName[];
  logger?: JobLogger;
  /** How long one fetch blocks and how often delayed jobs are promoted. Default 1000. */
  pollMs?: number;
  /** Heartbeat refresh interval. Default 5000. */
  heartbeatIntervalMs?: number;
  /** A worker silent for this long is presumed dead and its jobs are requeued. Default 30000. */
  heartbeatTtlMs?: number;
  /** How often to look for dead workers. Default 15000. */
  reapIntervalMs?: number;
  /** Called after each run (metrics): ok, retry (failed, will run again) or dead (given up). */
  onJobDone?: (run: { name: string; outcome: "ok" | "retry" | "dead"; durationMs: number }) => void;
}

export interface StopOptions {
  /** How long running jobs may still finish; the rest are aborted and requeued. Default 10000. */
  graceMs?: number;
}

export interface Worker {
  readonly id: string;
  /** Stop fetching, let running jobs finish for up to graceMs, return the rest to their queue. */
  stop(opts?: StopOptions): Promise<void>;
}

interface QueueCounts {
  /** Jobs waiting to be fetched. */
  waiting: number;
  /** Jobs taken by a worker and not finished. */
  running: number;
  /** Jobs waiting for a retry backoff or an enqueue delay. */
  delayed: number;
  dead: number;
}

export type QueueStats = Record<QueueName, QueueCounts>;

export interface DeadJob {
  id: string;
  name: string;
  queue: QueueName;
  payload: unknown;
  /** Attempts made before giving up. */
  attempts: number;
  error: string;
  enqueuedAt: number;
  failedAt: number;
}

export interface Queue<R extends JobRegistry> {
  /** Validate and add a job; returns its id. Throws InvalidJobPayload / UnknownJob. */
  enqueue<N extends JobName<R>>(name: N, payload: PayloadsOf<R>[N], opts?: EnqueueOptions): Promise<string>;
  startWorker(opts: WorkerOptions<JobContextOf<R>> & WorkerContextOption<JobContextOf<R>>): Worker;
  stats(): Promise<QueueStats>;
  /**
   * Per queue, how long the job next in line has been runnable (ms; 0 when the queue is empty).
   * Counted from its enqueue, or from when it became due for a delayed job or a retry.
   */
  oldestWaitingAgeMs(): Promise<Record<QueueName, number>>;
  /** Newest first. */
  listDead(queue?: QueueName, limit?: number): Promise<DeadJob[]>;
  /** Move a dead job back to its queue with a fresh attempt count; false if no such dead job. */
  retryDead(id: string): Promise<boolean>;
  /** Stop the workers started here (default grace) and release the backend. */
  close(opts?: StopOptions): Promise<void>;
}

export class InvalidJobPayload extends Error {
  constructor(
    readonly job: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(`Invalid payload for job ${job}: ${issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
    this.name = "InvalidJobPayload";
  }
}

export class UnknownJob extends Error {
  constructor(readonly job: string) {
    super(`Unknown job ${job}`);
    this.name = "UnknownJob";
  }
}

export class JobTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Job timed out after ${timeoutMs} ms`);
    this.name = "JobTimeout";
  }
}

export class WorkerStopped extends Error {
  constructor() {
    super("Worker stopped before the job finished");
    this.name = "WorkerStopped";
  }
}
