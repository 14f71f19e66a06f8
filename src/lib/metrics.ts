import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { QUEUE_NAMES, type QueueName, type QueueStats } from "./queue/queue.ts";
import { RequestMetrics } from "./request-metrics.ts";

/** Figures read at scrape time from the database, the queue and the pool; each may fail (NaN then). */
export interface MetricSources {
  version?: string;
  countPendingValidations?: () => Promise<number>;
  oldestPendingValidationSeconds?: () => Promise<number>;
  countActiveSessions?: () => Promise<number>;
  queueStats?: () => Promise<QueueStats>;
  queueOldestAgesMs?: () => Promise<Record<QueueName, number>>;
  poolStats?: () => { total: number; idle: number; waiting: number } | null;
}

/**
 * One registry per runtime, so tests can build several apps without clashing metric names.
 * Route labels are templates in one syntax, `/api/v1/agents/{slug}` (never a raw path).
 */
export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const registers = [registry];
  const orNaN = (read: (() => Promise<number>) | undefined) => (read ? read().catch(() => Number.NaN) : Promise.resolve(Number.NaN));
  new Gauge({ name: "app_info", help: "Always 1; the labels say which build runs", labelNames: ["version"] as const, registers }).set(
    { version: sources.version ?? "unknown" },
    1,
  );
  return {
    registry,
    httpRequests: new RequestMetrics(registry, durationBuckets),
    procedureDuration: new Histogram({
      name: "trpc_procedure_duration_seconds",
      help: "tRPC procedure duration by procedure path, type and outcome",
      labelNames: ["procedure", "type", "outcome"] as const,
      buckets: durationBuckets,
      registers,
    }),
    mcpCallDuration: new Histogram({
      name: "mcp_call_duration_seconds",
      help: "MCP tool calls and resource reads (/mcp) by kind, name and outcome",
      labelNames: ["kind", "name", "outcome"] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    pendingValidations: new Gauge({
      name: "pending_validations",
      help: "Agent versions pending or running validation (read from the database at scrape time)",
      registers,
      async collect() {
        if (sources.countPendingValidations) this.set(await orNaN(sources.countPendingValidations));
      },
    }),
    oldestPendingValidation: new Gauge({
      name: "oldest_pending_validation_age_seconds",
      help: "Age of the oldest version still pending or running validation (0 when none)",
      registers,
      async collect() {
        if (sources.oldestPendingValidationSeconds) this.set(await orNaN(sources.oldestPendingValidationSeconds));
      },
    }),
    validationDuration: new Histogram({
      name: "validation_duration_seconds",
      help: "Duration of each validation check",
      labelNames: ["check"] as const,
      buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    validations: new Counter({
      name: "validations_total",
      help: "Finished validations by outcome (passed, failed, error)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    validationChecks: new Counter({
      name: "validation_checks_total",
      help: "Validation checks run, by check and status (passed, failed, skipped, error)",
      labelNames: ["check", "status"] as const,
      registers,
    }),
    uploads: new Counter({
      name: "uploads_total",
      help: "Archive uploads by outcome (stored, too_large, not_zip, interrupted, disk_full, storage_unavailable)",
      labelNames: ["outcome"] as const,
      registers,
    }),
    uploadBytes: new Counter({ name: "upload_bytes_total", help: "Bytes of archives stored", registers }),
    downloads: new Counter({ name: "downloads_total", help: "Archive downloads served (or redirected to storage)", registers }),
    jobs: new Counter({
      name: "jobs_total",
      help: "Job runs by job and outcome (ok, retry, dead)",
      labelNames: ["job", "outcome"] as const,
      registers,
    }),
    jobDuration: new Histogram({
      name: "job_duration_seconds",
      help: "Job run duration by job and outcome",
      labelNames: ["job", "outcome"] as const,
      buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 600],
      registers,
    }),
    queueJobs: new Gauge({
      name: "queue_jobs",
      help: "Jobs per queue and state (waiting, running, delayed, dead), read at scrape time",
      labelNames: ["queue", "state"] as const,
      registers,
      async collect() {
        if (!sources.queueStats) return;
        const stats = await sources.queueStats().catch(() => null);
        if (!stats) return;
        for (const [queue, counts] of Object.entries(stats)) for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      },
    }),
    queueOldestJobAge: new Gauge({
      name: "queue_oldest_job_age_seconds",
      help: "Per queue, how long the job next in line has been runnable (0 when empty), read at scrape time",
      labelNames: ["queue"] as const,
      registers,
      async collect() {
        if (!sources.queueOldestAgesMs) return;
        const ages = await sources.queueOldestAgesMs().catch(() => null);
        for (const queue of QUEUE_NAMES) this.set({ queue }, ages ? ages[queue] / 1000 : Number.NaN);
      },
    }),
    cacheRequests: new Counter({
      name: "cache_requests_total",
      help: "Cached reads by read name and result (hit, miss, bypass, error)",
      labelNames: ["read", "result"] as const,
      registers,
    }),
    rateLimitDenials: new Counter({
      name: "rate_limit_denials_total",
      help: "Requests refused with 429, by limit (user, ip, auth)",
      labelNames: ["limit"] as const,
      registers,
    }),
    dependencyErrors: new Counter({
      name: "dependency_errors_total",
      help: "Failures of a dependency (database, redis, storage, disk): lost connections and failed requests",
      labelNames: ["dependency"] as const,
      registers,
    }),
    dbPool: new Gauge({
      name: "db_pool_connections",
      help: "PostgreSQL pool connections by state (in_use, idle, waiting clients)",
      labelNames: ["state"] as const,
      registers,
      collect() {
        const stats = sources.poolStats?.();
        if (!stats) return;
        this.set({ state: "in_use" }, stats.total - stats.idle);
        this.set({ state: "idle" }, stats.idle);
        this.set({ state: "waiting" }, stats.waiting);
      },
    }),
    activeSessions: new Gauge({
      name: "active_sessions",
      help: "Sign-in sessions neither revoked nor past their refresh expiry (read at scrape time)",
      registers,
      async collect() {
        if (sources.countActiveSessions) this.set(await orNaN(sources.countActiveSessions));
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
