/**
 * `npm test`: starts the real services the suite needs (scripts/services/up.sh), runs
 * `bun test` against them, then drops this run's throwaway databases.
 * Extra arguments go to `bun test` (a file or `-t pattern`).
 * TEST_SERVICES=external skips the start-up and uses the TEST_* variables as given.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

const root = join(import.meta.dir, "..");
const external = process.env.TEST_SERVICES === "external";
const runId = `r${Date.now().toString(36)}`;

if (!external) {
  const up = Bun.spawnSync(["bash", join(root, "scripts/services/up.sh")], {
    stdout: "inherit",
    stderr: "inherit",
    env: { ...process.env, BUN: process.execPath },
  });
  if (up.exitCode !== 0) {
    console.error("could not start the test services");
    process.exit(up.exitCode ?? 1);
  }
}

const serviceEnv = external ? {} : parseEnvFile(join(root, ".test-services/env"));
const env: Record<string, string | undefined> = { ...process.env, ...serviceEnv, TEST_RUN_ID: runId, NODE_ENV: "test" };
// Real services (PostgreSQL, Redis, Ceph RGW) and sandboxed runs make some tests slow on a busy
// 2-core machine; bunfig.toml's [test] timeout is not read by Bun 1.4, so it is passed here.
const child = Bun.spawn([process.execPath, "test", "--timeout=30000", ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdout: "inherit",
  stderr: "inherit",
});
const code = await child.exited;
await dropRunDatabases(env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", runId);
process.exit(code);

function parseEnvFile(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return vars;
}

async function dropRunDatabases(url: string, run: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname like $1", [`am_${run}_%`]);
    for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
  } catch (error) {
    console.error("could not drop the run's databases:", error instanceof Error ? error.message : error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
