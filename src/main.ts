#!/usr/bin/env bun
import { createApp } from "./app.ts";
import { parseArgs, usage } from "./cli.ts";
import { runBootstrapAdmin } from "./commands/bootstrap-admin.ts";
import { EnvError, readEnv } from "./env.ts";
import { DataDirLockedError } from "./lib/db/data-dir-lock.ts";
import { createDatabase } from "./lib/db/db.ts";
import { migrateDatabase } from "./lib/db/migrate.ts";
import { createRuntime, startJobWorker, startSchedules } from "./runtime.ts";

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.command === "help") {
    console.log(usage);
    return 0;
  }
  const env = readEnv(args.overrides);
  if (args.command === "bootstrap-admin") {
    return runBootstrapAdmin({ env, login: args.positional[0], create: args.flags.has("--create") });
  }

  if (args.command === "migrate") {
    const db = await createDatabase(env);
    try {
      const { applied } = await migrateDatabase(db);
      console.log(`migrations applied: ${applied}`);
    } finally {
      await db.close();
    }
    return 0;
  }

  const startedAt = performance.now();
  const rt = await createRuntime(env);
  // The worker role serves only /health and /metrics, for probes and scraping.
  const { fetch } = createApp(rt, { api: env.ROLE !== "worker" });
  const runsBackground = env.ROLE !== "api";
  const worker = runsBackground ? startJobWorker(rt, { concurrency: env.WORKER_CONCURRENCY }) : null;
  const scheduler = runsBackground ? startSchedules(rt) : null;
  const server = Bun.serve({
    hostname: env.HOST,
    port: env.PORT,
    maxRequestBodySize: env.MAX_UPLOAD_BYTES + 1024 * 1024,
    // Bun's default (10 s) cut requests that were waiting on a slow dependency; env.ts checks
    // that this outlasts the database and S3 timeouts, so those answer 503 first.
    idleTimeout: env.HTTP_IDLE_TIMEOUT_SECONDS,
    fetch: (request, srv) => fetch(request, srv),
    // Never Bun's HTML error page: anything that escapes the app is the contract's JSON 500.
    error: (error) => {
      rt.logger.error({ err: error }, "error escaped the request handler");
      return Response.json({ error: "internal_error", detail: "Internal server error" }, { status: 500 });
    },
  });
  rt.logger.info({ url: server.url.href, role: env.ROLE, database: rt.db.kind, startup_ms: Math.round(performance.now() - startedAt) }, "server listening");

  await waitForSignal();
  rt.logger.info("shutting down: no new connections, finishing in-flight requests");
  // stop(false) resolves once in-flight requests finish; the timeout bounds a stuck one.
  const drained = await Promise.race([server.stop(false).then(() => true), Bun.sleep(env.SHUTDOWN_TIMEOUT_MS).then(() => false)]);
  if (!drained) {
    rt.logger.warn({ timeout_ms: env.SHUTDOWN_TIMEOUT_MS }, "in-flight requests did not finish in time; closing them");
    await server.stop(true);
  }
  scheduler?.stop();
  await worker?.stop({ graceMs: env.SHUTDOWN_TIMEOUT_MS });
  await rt.close();
  rt.logger.info("stopped");
  return 0;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => resolve(signal));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof EnvError || error instanceof DataDirLockedError) console.error(error.message);
    else console.error("fatal:", error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
