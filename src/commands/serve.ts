import type { Server } from "bun";
import { createApp } from "../app.ts";
import type { Env } from "../env.ts";
import { serveMetrics } from "../http/metrics-server.ts";
import { createDatabase, embeddedDatabaseExists } from "../lib/db/db.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";
import { addressOf, StartupError } from "../lib/faults.ts";
import { createLogger, type Logger } from "../lib/logger.ts";
import { waitForRedis } from "../lib/redis.ts";
import { markPhase, startupPhases } from "../lib/startup-phases.ts";
import { createRuntime, startHostSweeps, startJobWorker, startSchedules } from "../runtime.ts";

/**
 * `serve` and `migrate`: what the process does once its settings are read. Failures a newcomer
 * meets (busy port, unreachable database or S3) are StartupErrors naming the variable; the
 * entry point prints their message alone.
 */

export async function runMigrate(env: Env): Promise<number> {
  const db = await createDatabase(env);
  try {
    const { applied } = await migrateDatabase(db).catch((err: unknown) => {
      throw env.DATABASE_URL ? new StartupError("DATABASE_URL", addressOf(env.DATABASE_URL), err) : err;
    });
    console.log(`migrations applied: ${applied}`);
  } finally {
    await db.close();
  }
  return 0;
}

export async function runServer(env: Env): Promise<number> {
  const startedAt = performance.now();
  const logger = createLogger(env);
  // The port is tried first, so a busy one is reported before migrations run. It is released
  // again: clients that wait for the port to accept connections expect a ready server behind it.
  await listen(env, logger, () => Response.json({ status: "starting" }, { status: 503 })).stop(true);
  markPhase("port_check");
  if (!env.DATABASE_URL && !embeddedDatabaseExists(env)) logger.info({ data_dir: env.DATA_DIR }, "first start: creating the embedded database (a few seconds)");
  else logger.info({ database: env.DATABASE_URL ? addressOf(env.DATABASE_URL) : "embedded" }, "opening the database and applying pending migrations");
  const rt = await createRuntime(env, { logger });
  if (rt.redis) {
    await waitForRedis(rt.redis, 3_000).catch(() =>
      logger.warn(
        { variable: "REDIS_URL", address: addressOf(env.REDIS_URL) },
        `REDIS_URL: cannot reach Redis at ${addressOf(env.REDIS_URL)} yet; serving uncached, jobs wait until it is back`,
      ),
    );
    markPhase("redis");
  }
  // The worker role serves only /health and /metrics, for probes and scraping.
  const { fetch } = createApp(rt, { api: env.ROLE !== "worker", metrics: env.METRICS_PORT === undefined });
  markPhase("app");
  const runsBackground = env.ROLE !== "api";
  const worker = runsBackground ? startJobWorker(rt, { concurrency: env.WORKER_CONCURRENCY }) : null;
  const scheduler = runsBackground ? startSchedules(rt) : null;
  const sweeps = startHostSweeps(rt, { validates: runsBackground });
  const server = listen(env, logger, (request, srv) => fetch(request, srv));
  markPhase("listening");
  if (runsBackground) {
    const sandbox = await rt.sandbox();
    if (sandbox.state === "unavailable")
      logger.warn(
        { sandbox: sandbox.state, reason: sandbox.reason },
        "validation sandbox unavailable: checks that run uploaded code are skipped and no version passes validation; install bubblewrap (apt-get install bubblewrap)",
      );
    else if (sandbox.state === "limited") logger.warn({ sandbox: sandbox.state, reason: sandbox.reason }, "validation sandbox limited: no per-run cgroups");
  }
  const metricsServer = env.METRICS_PORT === undefined ? null : serveMetrics(rt, env.HOST, env.METRICS_PORT);
  logger.info(
    {
      url: server.url.href,
      metrics: metricsServer?.url.href,
      role: env.ROLE,
      database: rt.db.kind,
      startup_ms: Math.round(performance.now() - startedAt),
      phases_ms: startupPhases(),
    },
    "server listening",
  );

  await waitForSignal();
  rt.logger.info("shutting down: no new connections, finishing in-flight requests");
  // stop(false) resolves once in-flight requests finish; the timeout bounds a stuck one.
  const drained = await Promise.race([server.stop(false).then(() => true), Bun.sleep(env.SHUTDOWN_TIMEOUT_MS).then(() => false)]);
  if (!drained) {
    rt.logger.warn({ timeout_ms: env.SHUTDOWN_TIMEOUT_MS }, "in-flight requests did not finish in time; closing them");
    await server.stop(true);
  }
  await metricsServer?.stop(true);
  scheduler?.stop();
  sweeps.stop();
  await worker?.stop({ graceMs: env.SHUTDOWN_TIMEOUT_MS });
  await rt.close();
  rt.logger.info("stopped");
  return 0;
}

function listen(env: Env, logger: Logger, fetch: (request: Request, server: Server<undefined>) => Response | Promise<Response>) {
  try {
    return Bun.serve({
      hostname: env.HOST,
      port: env.PORT,
      maxRequestBodySize: env.MAX_UPLOAD_BYTES + 1024 * 1024,
      // Bun's default (10 s) cut requests that were waiting on a slow dependency; env.ts checks
      // that this outlasts the database and S3 timeouts, so those answer 503 first.
      idleTimeout: env.HTTP_IDLE_TIMEOUT_SECONDS,
      fetch,
      error: escapedError(logger),
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE") throw new StartupError("PORT", `${env.HOST}:${env.PORT}`, "the port is already in use (is another server running?)");
    if (code === "EADDRNOTAVAIL") throw new StartupError("HOST", `${env.HOST}:${env.PORT}`, "no interface has this address");
    if (code === "EACCES") throw new StartupError("PORT", `${env.HOST}:${env.PORT}`, "permission denied (ports below 1024 need privileges)");
    throw error;
  }
}

/** Never Bun's HTML error page: anything that escapes the app is the contract's JSON 500. */
function escapedError(logger: Logger) {
  return (error: Error) => {
    const requestId = crypto.randomUUID();
    logger.error({ err: error, request_id: requestId }, "error escaped the request handler");
    return Response.json(
      { error: "internal_error", detail: "Internal server error", request_id: requestId },
      { status: 500, headers: { "X-Request-Id": requestId } },
    );
  };
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve(signal));
  });
}
