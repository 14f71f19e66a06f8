import type { QueueName, WorkerOptions } from "./queue.ts";
import { QUEUE_NAMES } from "./queue.ts";

/** A worker's options with their defaults applied and checked. */
export interface Settings {
  concurrency: number;
  queues: readonly QueueName[];
  pollMs: number;
  heartbeatIntervalMs: number;
  heartbeatTtlMs: number;
  reapIntervalMs: number;
}

export function settingsFrom(opts: WorkerOptions): Settings {
  const settings: Settings = {
    concurrency: opts.concurrency ?? 1,
    queues: opts.queues ?? QUEUE_NAMES,
    pollMs: opts.pollMs ?? 1000,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 5000,
    heartbeatTtlMs: opts.heartbeatTtlMs ?? 30_000,
    reapIntervalMs: opts.reapIntervalMs ?? 15_000,
  };
  if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1) {
    throw new RangeError("Worker concurrency must be an integer >= 1");
  }
  if (settings.queues.length === 0) throw new RangeError("A worker needs at least one queue");
  if (settings.heartbeatTtlMs <= settings.heartbeatIntervalMs) {
    throw new RangeError("heartbeatTtlMs must be longer than heartbeatIntervalMs");
  }
  return settings;
}
