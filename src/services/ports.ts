import type { JobName, JobPayloads } from "../contract/jobs.ts";
import type { Env } from "../env.ts";
import type { Cache } from "../lib/cache/cache.ts";
import type { LockManager } from "../lib/locks/lock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Metrics } from "../lib/metrics.ts";
import type { DeadJob, EnqueueOptions, QueueName, QueueStats } from "../lib/queue/queue.ts";
import type { RateLimiter } from "../lib/rate-limit/rate-limit.ts";
import type { ObjectStore } from "../lib/storage/types.ts";
import type { WarningThrottle } from "../lib/throttle.ts";
import type { OwedInvalidations } from "./owed-invalidations.ts";

/**
 * What a service may use besides its database executor: the adapters, by interface. The
 * composition root (src/runtime.ts) builds them from config; tests build them the same way.
 */
export interface Ports {
  env: Env;
  logger: Logger;
  /** Warnings that repeat while something is down, logged once per outage. */
  warnings: WarningThrottle;
  metrics: Metrics;
  cache: Cache;
  locks: LockManager;
  rateLimiter: RateLimiter;
  storage: ObjectStore;
  queue: JobQueue;
  downloads: DownloadLog;
  /** With DATABASE_READ_URL: runs a read on the replica when it has caught up with the primary. */
  readReplica?: { whenCaughtUp<T>(fn: () => Promise<T>): Promise<T> };
  /** Cache bumps that could not reach Redis, kept where every process repairs them. */
  owedInvalidations: OwedInvalidations;
}

/** The job queue as producers see it, typed by src/contract/jobs.ts. */
interface JobQueue {
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: EnqueueOptions): Promise<string>;
  stats(): Promise<QueueStats>;
  listDead(queue?: QueueName, limit?: number): Promise<DeadJob[]>;
  retryDead(id: string): Promise<boolean>;
}

interface DownloadEvent {
  agentId: number;
  versionId: number | null;
  userId: number | null;
}

/** Where downloads are counted, off the request path (services/downloads/recorder.ts). */
interface DownloadLog {
  record(event: DownloadEvent): void;
}
