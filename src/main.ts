#!/usr/bin/env bun
// First: starts compiling the embedded database's WebAssembly while the modules below load.
import "./commands/preload.ts";
import { runCli } from "../client/src/cli/main.ts";
import packageJson from "../package.json" with { type: "json" };
import { createApp } from "./app.ts";
import { serverCommands } from "./cli.ts";
import { runBootstrapAdmin } from "./commands/bootstrap-admin.ts";
import { runValidate } from "./commands/validate.ts";
import { EnvError, readEnv } from "./env.ts";
import { DataDirLockedError } from "./lib/db/data-dir-lock.ts";
import { createDatabase } from "./lib/db/db.ts";
import { migrateDatabase } from "./lib/db/migrate.ts";
import { serveStdio } from "./mcp/stdio.ts";
import { createRuntime, startJobWorker, startSchedules } from "./runtime.ts";

/** No arguments: serve. Anything else goes through the command table; a typo exits 2 and starts nothing. */
async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) return serve({});
  return runCli(argv, {
    version: packageJson.version,
    hostCommands: serverCommands({
      serve,
      migrate,
      bootstrapAdmin: (overrides, login, create) => runBootstrapAdmin({ env: readEnv(overrides), login, create }),
      validate: (ctx, input) => runValidate(ctx, input.positionals[0] ?? "."),
      mcp: async (ctx) => {
        await serveStdio({ url: ctx.url, token: await ctx.token() });
        return 0;
      },
    }),
  });
}

async function migrate(overrides: Record<string, string>): Promise<number> {
  const db = await createDatabase(readEnv(overrides));
  try {
    const { applied } = await migrateDatabase(db);
    console.log(`migrations applied: ${applied}`);
  } finally {
    await db.close();
  }
  return 0;
}

async function serve(overrides: Record<string, string>): Promise<number> {
  const env = readEnv(overrides);
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
    fetch: (request, srv) => fetch(request, srv),
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
