import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envWith } from "../../src/env.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { sessionFor } from "../../src/testing/auth.ts";
import { type ServerProcess, startServer } from "../../src/testing/cluster.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { type PrivatePostgres, type PrivateRedis, startPrivatePostgres, startPrivateRedis } from "../../src/testing/private-services.ts";
import { multipartInit, publishParts } from "../../src/testing/uploads.ts";

/**
 * One fault scenario's world: a PostgreSQL and a Redis of its own (the suite kills and restarts
 * them), archives as files in a DATA_DIR shared by its server processes, and an in-process
 * runtime on the same database for fixtures and for checking what was stored.
 */
export interface World {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  env: Record<string, string>;
  rt: Runtime;
  dataDir: string;
  servers: ServerProcess[];
  start(role: "api" | "worker", extra?: Record<string, string>): Promise<ServerProcess>;
  user(): Promise<{ id: number; token: string }>;
  category: string;
  close(): Promise<void>;
}

export async function createWorld(opts: { persistentRedis?: boolean; dataDir?: string } = {}): Promise<World> {
  const pg = await startPrivatePostgres();
  const redis = await startPrivateRedis({ persistent: opts.persistentRedis });
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "am-faults-")));
  const env: Record<string, string> = {
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    DATA_DIR: dataDir,
    SIGNING_SECRET: "f".repeat(40),
    RATE_LIMIT_ENABLED: "false",
    DATABASE_STATEMENT_TIMEOUT_MS: "5000",
    DATABASE_CONNECT_TIMEOUT_MS: "2000",
    LOG_LEVEL: "info",
  };
  const rt = await createRuntime(envWith({ ...env, NODE_ENV: "test", LOG_LEVEL: "silent" }));
  const servers: ServerProcess[] = [];
  const world: World = {
    pg,
    redis,
    env,
    rt,
    dataDir,
    servers,
    category: (await makeCategory(rt.db.db)).slug,
    async start(role, extra = {}) {
      const server = await startServer(role, { ...env, ...extra });
      servers.push(server);
      return server;
    },
    async user() {
      const user = await makeUser(rt.db.db);
      return { id: user.id, token: (await sessionFor(rt, user)).access_token };
    },
    async close() {
      for (const server of servers) if (server.proc.exitCode === null) await server.kill();
      await rt.close().catch(() => undefined);
      await redis.destroy();
      pg.destroy();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

export async function publish(server: ServerProcess, token: string, category: string, name: string, code: Uint8Array): Promise<Response> {
  return fetch(
    `${server.url}/api/v1/agents`,
    multipartInit("POST", publishParts({ category, name, version: "1.0.0", code }), { authorization: `Bearer ${token}` }),
  );
}

/** One line of the table. */
export interface FaultRow {
  scenario: string;
  requests: number;
  ok: number;
  unavailable: number;
  otherErrors: number;
  recoverySeconds: number | null;
  checks: string[];
  failures: string[];
}

export function row(scenario: string): FaultRow {
  return { scenario, requests: 0, ok: 0, unavailable: 0, otherErrors: 0, recoverySeconds: null, checks: [], failures: [] };
}

/** Records a check: passed ones are listed, failed ones fail the suite. */
export function check(r: FaultRow, what: string, passed: boolean, detail = ""): void {
  if (passed) r.checks.push(what);
  else r.failures.push(detail ? `${what} (${detail})` : what);
}

export function count(r: FaultRow, status: number): void {
  r.requests++;
  if (status < 400) r.ok++;
  else if (status === 503) r.unavailable++;
  else if (status >= 500) r.otherErrors++;
}

export function printTable(rows: FaultRow[]): void {
  const header = ["scenario", "requests", "2xx", "503", "other 5xx", "recovery s", "result"];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.requests),
    String(r.ok),
    String(r.unavailable),
    String(r.otherErrors),
    r.recoverySeconds === null ? "-" : r.recoverySeconds.toFixed(1),
    r.failures.length === 0 ? `ok (${r.checks.length} checks)` : `FAILED: ${r.failures.join("; ")}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const line of lines) console.log(fmt(line));
}
