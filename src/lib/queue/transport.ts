import { z } from "zod";
import type { QueueName, QueueStats } from "./queue.ts";
import { QUEUE_NAMES } from "./queue.ts";

/**
 * What the shared queue logic needs from a backend. Jobs travel as JSON strings
 * ("raw"); a raw string is also the job's identity inside processing lists, which
 * is why acks and failures pass the exact string that was fetched.
 */
export interface QueueTransport {
  /** Add a job to the back of its queue, or to the delayed set when delayMs > 0. */
  push(queue: QueueName, raw: string, delayMs: number): Promise<void>;
  /** Move the next job (queues in the given priority order) into the worker's processing list; null after ~blockMs. */
  fetch(workerId: string, queues: readonly QueueName[], blockMs: number): Promise<string | null>;
  /** Cut a blocked fetch of this worker short. */
  interrupt(workerId: string): Promise<void>;
  /** Forget a finished job. Every settle is a no-op if the job is no longer in the worker's processing list. */
  ack(workerId: string, raw: string): Promise<void>;
  /** Swap a failed job for its next attempt, due in delayMs. */
  retry(workerId: string, raw: string, next: string, delayMs: number): Promise<void>;
  /** Move a job that gave up to the dead list of its queue. */
  bury(workerId: string, raw: string, queue: QueueName, dead: string): Promise<void>;
  heartbeat(workerId: string, ttlMs: number): Promise<void>;
  /** The worker is gone: return its unfinished jobs to the front of their queues. */
  release(workerId: string): Promise<number>;
  /** Release the workers whose heartbeat expired. */
  reap(): Promise<number>;
  /** Move due delayed jobs to their queues. */
  promoteDue(limit: number): Promise<number>;
  stats(): Promise<QueueStats>;
  /** Per queue, the raw job next in line (the one waiting longest), null when the queue is empty. */
  nextInLine(): Promise<Record<QueueName, string | null>>;
  /** Raw dead entries, newest first. */
  listDead(queue: QueueName, limit: number): Promise<string[]>;
  /** Atomically swap a dead entry for a fresh job; false if the entry is gone. */
  requeueDead(queue: QueueName, dead: string, raw: string): Promise<boolean>;
  /** Free per-worker resources (blocking connections). */
  closeWorker(workerId: string): Promise<void>;
  close(): Promise<void>;
}

const queueName = z.enum(QUEUE_NAMES);

const envelopeSchema = z.object({
  id: z.string(),
  name: z.string(),
  queue: queueName,
  payload: z.unknown(),
  attempt: z.number().int().min(1),
  enqueuedAt: z.number(),
  /** When a delayed job or a retry became due (ms); absent for jobs runnable at once. Queue age counts from here. */
  readyAt: z.number().optional(),
});

const deadSchema = envelopeSchema.extend({ error: z.string(), failedAt: z.number() });

export type JobEnvelope = z.infer<typeof envelopeSchema>;
export type DeadEnvelope = z.infer<typeof deadSchema>;

export function decodeEnvelope(raw: string): JobEnvelope | null {
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function decodeDead(raw: string): DeadEnvelope | null {
  try {
    const parsed = deadSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function encodeEnvelope(envelope: JobEnvelope): string {
  const { id, name, queue, payload, attempt, enqueuedAt, readyAt } = envelope;
  return JSON.stringify({ id, name, queue, payload, attempt, enqueuedAt, ...(readyAt === undefined ? {} : { readyAt }) });
}

/** How long a waiting job has been runnable, in ms (0 for a job that is not due yet or undecodable). */
export function waitingAgeMs(raw: string, now: number): number {
  const envelope = decodeEnvelope(raw);
  if (!envelope) return 0;
  return Math.max(0, now - (envelope.readyAt ?? envelope.enqueuedAt));
}

export function encodeDead(envelope: JobEnvelope, error: string, failedAt: number): string {
  const dead: DeadEnvelope = { ...envelope, error, failedAt };
  return JSON.stringify(dead);
}

const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * Delay before attempt `attempt + 1`: base * 2^(attempt-1), capped at an hour, with
 * "equal jitter" (half fixed, half random) so jobs that failed together, e.g. on a
 * dependency outage, do not all come back at the same instant.
 */
export function backoffDelay(baseMs: number, attempt: number): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
}
