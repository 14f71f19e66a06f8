import { type AppJobs, buildJobs } from "../jobs/registry.ts";
import type { Env } from "./env.ts";
import type { Cache } from "./lib/cache/cache.ts";
import { createMemoryCache } from "./lib/cache/memory.ts";
import { createRedisCache } from "./lib/cache/redis.ts";
import { createDatabase, type DatabaseHandle } from "./lib/db/db.ts";
import type { LockManager } from "./lib/locks/lock.ts";
import { createMemoryLockManager } from "./lib/locks/memory.ts";
import { createRedisLockManager } from "./lib/locks/redis.ts";
import { createLogger, type Logger } from "./lib/logger.ts";
import { createMetrics, type Metrics } from "./lib/metrics.ts";
import { migrateDatabase } from "./lib/db/migrate.ts";
import type { Queue } from "./lib/queue/queue.ts";
import { createMemoryQueue } from "./lib/queue/memory.ts";
import { createRedisQueue } from "./lib/queue/redis.ts";
import type { RateLimiter } from "./lib/rate-limit/rate-limit.ts";
import { createMemoryRateLimiter } from "./lib/rate-limit/memory.ts";
import { createRedisRateLimiter } from "./lib/rate-limit/redis.ts";
import { closeRedis, createRedisConnection, type Redis } from "./lib/redis.ts";
import { createObjectStore } from "./lib/storage/factory.ts";
import type { ObjectStore } from "./lib/storage/types.ts";
import { countPendingValidations } from "./services/validation/queue.ts";
import { invalidateCatalog } from "./services/catalog-cache.ts";
import { DownloadRecorder } from "./services/downloads/recorder.ts";

/**
 * Everything a request, job or script needs, built once from config: the composition root.
 * Each concern has one interface and an embedded or a networked implementation.
 */
export interface Runtime {
  env: Env;
  logger: Logger;
  metrics: Metrics;
  db: DatabaseHandle;
  /** Null in the embedded mode, where cache, locks and limits live in this process. */
  redis: Redis | null;
  cache: Cache;
  locks: LockManager;
  rateLimiter: RateLimiter;
  storage: ObjectStore;
  /** The job queue (Redis lists, or in-process); workers are started by the worker role. */
  queue: Queue<AppJobs>;
  /** Download events and counters, written in batches off the request path. */
  downloads: DownloadRecorder;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** An already open database (tests hand in a per-file database). */
  db?: DatabaseHandle;
  logger?: Logger;
  migrate?: boolean;
}

export async function createRuntime(env: Env, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(env);
  const db = options.db ?? (await createDatabase(env));
  try {
    if (options.migrate ?? true) {
      const { applied } = await migrateDatabase(db);
      if (applied > 0) logger.info({ applied }, "applied database migrations");
    }
    const redis = env.REDIS_URL
      ? createRedisConnection(env.REDIS_URL, { name: "am-main", onError: (err) => logger.warn({ err: err.message }, "redis connection error") })
      : null;
    const prefix = env.REDIS_PREFIX;
    const storage = await createObjectStore(env);
    // Download counts show in cached answers, so each written batch invalidates them.
    const downloads = new DownloadRecorder(db.db, logger, { onWritten: () => invalidateCatalog(rt as Runtime) });
    // The queue's jobs need the runtime itself; it is attached right below.
    const rt: Omit<Runtime, "queue"> & { queue?: Queue<AppJobs> } = {
      env,
      logger,
      metrics: createMetrics({ countPendingValidations: () => countPendingValidations(db) }),
      db,
      redis,
      cache: redis ? createRedisCache(redis, { prefix }) : createMemoryCache(),
      locks: redis ? createRedisLockManager(redis, { prefix }) : createMemoryLockManager(),
      rateLimiter: redis ? createRedisRateLimiter(redis, { prefix }) : createMemoryRateLimiter(),
      storage,
      downloads,
      async close() {
        await rt.queue?.close({ graceMs: env.SHUTDOWN_TIMEOUT_MS });
        await downloads.close();
        await storage.close?.();
        if (redis) await closeRedis(redis);
        await db.close();
      },
    };
    const jobs = buildJobs(rt as Runtime);
    rt.queue = redis ? createRedisQueue(jobs, { redis, prefix }) : createMemoryQueue(jobs);
    return rt as Runtime;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
