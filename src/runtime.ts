import { type JobRegistry, jobRegistry } from "../jobs/registry.ts";
import { schedules } from "../jobs/schedules.ts";
import pkg from "../package.json" with { type: "json" };
import type { Env } from "./env.ts";
import { createMemoryCache } from "./lib/cache/memory.ts";
import { createRedisCache } from "./lib/cache/redis.ts";
import { createDatabase, type DatabaseHandle } from "./lib/db/db.ts";
import { migrateDatabase } from "./lib/db/migrate.ts";
import { addressOf, faultWarningKey, StartupError } from "./lib/faults.ts";
import { createMemoryLockManager } from "./lib/locks/memory.ts";
import { createRedisLockManager } from "./lib/locks/redis.ts";
import { createLogger, type Logger } from "./lib/logger.ts";
import { createMetrics } from "./lib/metrics.ts";
import { createMemoryQueue } from "./lib/queue/memory.ts";
import type { Queue, Worker, WorkerOptions } from "./lib/queue/queue.ts";
import { createRedisQueue } from "./lib/queue/redis.ts";
import { createMemoryRateLimiter } from "./lib/rate-limit/memory.ts";
import { createRedisRateLimiter } from "./lib/rate-limit/redis.ts";
import { closeRedis, createRedisConnection, type Redis } from "./lib/redis.ts";
import { type SandboxState, sandboxStatus } from "./lib/sandbox/sandbox.ts";
import { sweepSandboxLeftovers } from "./lib/sandbox/work-dirs.ts";
import { type Scheduler, startScheduler } from "./lib/scheduler.ts";
import { markPhase } from "./lib/startup-phases.ts";
import { createObjectStore } from "./lib/storage/factory.ts";
import { createWarningThrottle } from "./lib/throttle.ts";
import type { Actor } from "./services/actor.ts";
import { invalidateCatalog, invalidateCounters, repairOwedInvalidation } from "./services/catalog-cache.ts";
import { type ServiceContext, systemContext } from "./services/context.ts";
import { DownloadRecorder } from "./services/downloads/recorder.ts";
import { countActiveSessions, oldestPendingValidationSeconds } from "./services/operator-figures.ts";
import { databaseOwedInvalidations, NOTHING_OWED } from "./services/owed-invalidations.ts";
import type { Ports } from "./services/ports.ts";
import { countPendingValidations } from "./services/validation/queue.ts";

/**
 * The composition root: builds every adapter from config (an embedded or a networked
 * implementation of each port) and hands them to services, jobs and schedules. Nothing below
 * this file imports it.
 */
export interface Runtime extends Ports {
  db: DatabaseHandle;
  /** Null in the embedded mode, where cache, locks and limits live in this process. */
  redis: Redis | null;
  /** The job queue (Redis lists, or in-process); workers are started by the worker role. */
  queue: Queue<JobRegistry>;
  /** Download events and counters, written in batches off the request path. */
  downloads: DownloadRecorder;
  /** The validation sandbox on this host (probed once); /health and start-up report it. */
  sandbox: () => Promise<{ state: SandboxState; reason?: string }>;
  close(): Promise<void>;
}

/** How long another instance may serve a cached answer that a write made while Redis refused it invalidated. */
const OWED_REPAIR_INTERVAL_MS = 1_000;

export interface RuntimeOptions {
  /** An already open database (tests hand in a per-file database). */
  db?: DatabaseHandle;
  logger?: Logger;
  migrate?: boolean;
}

export async function createRuntime(env: Env, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(env);
  const warnings = createWarningThrottle(logger);
  // Scrape-time sources read `late`, filled in once the runtime exists.
  const late: { db?: DatabaseHandle; queue?: Queue<JobRegistry> } = {};
  const metrics = createMetrics({
    version: pkg.version,
    countPendingValidations: () => countPendingValidations(need(late.db).db),
    oldestPendingValidationSeconds: () => oldestPendingValidationSeconds(need(late.db).db),
    countActiveSessions: () => countActiveSessions(need(late.db).db),
    queueStats: () => need(late.queue).stats(),
    queueOldestAgesMs: () => need(late.queue).oldestWaitingAgeMs(),
    poolStats: () => late.db?.poolStats?.() ?? null,
  });
  const db =
    options.db ??
    (await createDatabase(env, {
      onConnectionError: (err) => {
        metrics.dependencyErrors.inc({ dependency: "database" });
        warnings.warn("database-connection", { err: err.message }, "database connection lost; requests answer 503 until it is back");
      },
      onConnect: () => {
        warnings.recovered("database-connection", "database connections open again");
        warnings.recovered(faultWarningKey("database"));
      },
    }));
  markPhase("database_open");
  try {
    if (options.migrate ?? true) {
      const { applied } = await migrateDatabase(db).catch((err: unknown) => {
        throw env.DATABASE_URL ? new StartupError("DATABASE_URL", addressOf(env.DATABASE_URL), err) : err;
      });
      if (applied > 0) logger.info({ applied }, "applied database migrations");
    }
    markPhase("migrations");
    const redis = env.REDIS_URL
      ? createRedisConnection(env.REDIS_URL, {
          name: "am-main",
          commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
          onError: (err) =>
            warnings.warn("redis-connection", { err: err.message }, "redis connection error; cache bypassed, queue and locks failing until it is back"),
        })
      : null;
    redis?.on("ready", () => {
      warnings.recovered("redis-connection", "redis connection ready again");
      warnings.recovered(faultWarningKey("redis"));
    });
    const prefix = env.REDIS_PREFIX;
    redis?.on("error", () => metrics.dependencyErrors.inc({ dependency: "redis" }));
    const storage = await createObjectStore(env).catch((err: unknown) => {
      throw env.S3_ENDPOINT || env.S3_ACCESS_KEY
        ? new StartupError("S3_ENDPOINT", `${addressOf(env.S3_ENDPOINT, "AWS S3")} bucket ${env.S3_BUCKET}`, err)
        : err;
    });
    const queue = redis ? createRedisQueue(jobRegistry, { redis, prefix }) : createMemoryQueue(jobRegistry);
    Object.assign(late, { db, queue });
    const cache = redis ? createRedisCache(redis, { prefix }) : createMemoryCache();
    // Download counts show in cached answers: each written batch bumps the counters generation (no list or search is evicted).
    const downloads = new DownloadRecorder(db.db, logger, { onWritten: () => invalidateCounters(runtime) });
    const runtime: Runtime = {
      env,
      logger,
      warnings,
      metrics,
      db,
      redis,
      cache,
      locks: redis ? createRedisLockManager(redis, { prefix }) : createMemoryLockManager(),
      rateLimiter: redis ? createRedisRateLimiter(redis, { prefix }) : createMemoryRateLimiter(),
      storage,
      queue,
      downloads,
      sandbox: sandboxStatus,
      readReplica: db.reads,
      owedInvalidations: redis ? databaseOwedInvalidations(db.db, logger) : NOTHING_OWED,
      async close() {
        clearInterval(repairs);
        await queue.close({ graceMs: env.SHUTDOWN_TIMEOUT_MS });
        await downloads.close();
        await storage.close?.();
        if (redis) await closeRedis(redis);
        await db.close();
      },
    };
    // Invalidations owed by any process are repaired by whichever reaches Redis first, and a
    // (re)connected Redis may hold answers older than a write made while it was away: bump.
    const repairs = setInterval(() => void repairOwedInvalidation(runtime), OWED_REPAIR_INTERVAL_MS);
    repairs.unref();
    redis?.on("ready", () => void invalidateCatalog(runtime));
    if (redis?.status === "ready") void invalidateCatalog(runtime);
    markPhase("adapters");
    return runtime;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** The context a request's services run in. */
export function requestContext(rt: Runtime, actor: Actor, logger: Logger = rt.logger): ServiceContext {
  // Anonymous reads may be answered by the replica; a signed-in caller always reads the primary,
  // so their own writes read back at once.
  const db = actor.kind === "anonymous" && rt.db.reads ? rt.db.reads.routed : rt.db.db;
  return { ports: rt, db, actor, logger };
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("runtime not ready");
  return value;
}

/** A worker of this runtime's queue; each job runs with a system context of its own. */
export function startJobWorker(rt: Runtime, opts: Omit<WorkerOptions, "context"> = {}): Worker {
  return rt.queue.startWorker({
    logger: rt.logger,
    onJobDone: ({ name, outcome, durationMs }) => {
      rt.metrics.jobs.inc({ job: name, outcome });
      rt.metrics.jobDuration.observe({ job: name, outcome }, durationMs / 1000);
    },
    ...opts,
    context: (job) => systemContext(rt, rt.db.db, rt.logger.child({ job_id: job.jobId, job: job.name, attempt: job.attempt })),
  });
}

/** The recurring tasks of jobs/schedules.ts, each firing once across instances. */
export function startSchedules(rt: Runtime, opts: { paused?: boolean } = {}): Scheduler {
  return startScheduler(
    schedules,
    { locks: rt.locks, logger: rt.logger, context: () => systemContext(rt, rt.db.db) },
    { overrides: rt.env.SCHEDULE_OVERRIDES, ...opts },
  );
}

/**
 * What processes that died without cleaning up left on this host: validation work dirs, sandbox
 * cgroups (and their processes), S3 spool files, temp files of the filesystem store. Per host, so a timer of each process runs it
 * (a cluster-wide schedule would sweep one host only). Never throws.
 */
export function startHostSweeps(rt: Runtime, opts: { intervalMs?: number; validates: boolean }): { stop(): void } {
  const sweep = async () => {
    try {
      const sandbox = opts.validates ? await sweepSandboxLeftovers() : { workDirs: 0, cgroups: 0 };
      const storageFiles = (await rt.storage.sweepLeftovers?.()) ?? 0;
      if (sandbox.workDirs + sandbox.cgroups + storageFiles > 0)
        rt.logger.info({ ...sandbox, storage_files: storageFiles }, "swept leftovers of processes that died");
    } catch (err) {
      rt.logger.warn({ err }, "could not sweep leftovers");
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), opts.intervalMs ?? 10 * 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** A system context over this runtime, for commands, scripts and tests. */
export function systemContextOf(rt: Runtime, logger: Logger = rt.logger): ServiceContext {
  return systemContext(rt, rt.db.db, logger);
}
