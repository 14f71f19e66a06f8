/**
 * Time one authenticated request spends on token checking: resolveActor (parse the header, SHA-256
 * the token, one indexed query joining credential and user) for a session access token and a
 * personal API token, 5,000 sequential calls each after a warm-up, on PostgreSQL and on embedded PGlite.
 * Usage: bun scripts/bench/auth-token-check.ts [calls]   (PostgreSQL from BENCH_DATABASE_URL or
 * TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a scratch database is made and dropped)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { users } from "../../db/schema/index.ts";
import { envWith } from "../../src/env.ts";
import { openEmbedded } from "../../src/lib/db/db.ts";
import { createRuntime, type Runtime, systemContextOf } from "../../src/runtime.ts";
import { resolveActor } from "../../src/services/auth/bearer.ts";
import { hashSecret } from "../../src/services/auth/secrets.ts";
import { apiTokenFor, sessionFor } from "../../src/testing/auth.ts";
import { printTable } from "./lib.ts";

const calls = Number(process.argv[2] ?? 5000);
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `am_bench_${process.pid}`;
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-auth-"));
const rows: Record<string, string | number>[] = [];

async function measure(label: string, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(500, calls); i++) await fn();
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await fn();
    times[i] = performance.now() - started;
  }
  times.sort();
  const at = (q: number) => times[Math.min(calls - 1, Math.floor(q * calls))] ?? Number.NaN;
  rows.push({ case: label, calls, "p50 ms": at(0.5), "p99 ms": at(0.99), "max ms": at(1) });
}

async function benchRuntime(database: string, rt: Runtime): Promise<void> {
  const [user] = await rt.db.db
    .insert(users)
    .values({ username: `bench-${Date.now()}` })
    .returning();
  if (!user) throw new Error("no user");
  const session = await sessionFor(rt, user);
  const apiToken = await apiTokenFor(rt, user, ["read", "publish"]);
  const sessionHeaders = new Headers({ authorization: `Bearer ${session.access_token}` });
  const apiHeaders = new Headers({ authorization: `Bearer ${apiToken}` });
  await measure(`${database}: session access token`, () => resolveActor(systemContextOf(rt), sessionHeaders.get("authorization")));
  await measure(`${database}: personal API token`, () => resolveActor(systemContextOf(rt), apiHeaders.get("authorization")));
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database "${dbName}"`);
try {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const base = { LOG_LEVEL: "silent", DATA_DIR: dataDir, SIGNING_SECRET: "s".repeat(40) };
  const postgres = await createRuntime(envWith({ ...base, DATABASE_URL: url.toString() }));
  try {
    await benchRuntime("PostgreSQL", postgres);
  } finally {
    await postgres.close();
  }
  const embedded = await createRuntime(envWith(base), { db: await openEmbedded("memory://") });
  try {
    await benchRuntime("PGlite (embedded)", embedded);
  } finally {
    await embedded.close();
  }
  await measure("SHA-256 of a token alone (@oslojs/crypto)", async () => hashSecret("abcdefghijklmnopqrstuvwxyz234567"));
} finally {
  await admin.query(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
  await rm(dataDir, { recursive: true, force: true });
}
printTable(rows);
