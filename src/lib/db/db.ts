import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import * as schema from "../../../db/schema/index.ts";
import type { Env } from "../../env.ts";
import { acquireDataDirLock } from "./data-dir-lock.ts";
import { loadPgliteAssets, pgliteExtensions } from "./pglite-assets.ts";

type Schema = typeof schema;
/**
 * One database type for both drivers. The PGlite and node-postgres drizzle databases share
 * the whole query-builder API; only the driver's raw result type differs, which we never use.
 */
export type Database = NodePgDatabase<Schema>;
type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** A database handle or an open transaction: services accept either. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  readonly kind: "postgres" | "embedded";
  readonly db: Database;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs fn while holding a cluster-wide lock, so N instances starting at once migrate once. */
  exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T>;
}

export async function createDatabase(env: Env): Promise<DatabaseHandle> {
  if (env.DATABASE_URL) return connectPostgres(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  return openEmbedded(join(resolve(env.DATA_DIR), "db"));
}

export function connectPostgres(url: string, poolSize = 10): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its connection emits here; without a listener the process dies.
  pool.on("error", () => undefined);
  const db = drizzlePg(pool, { schema });
  return {
    kind: "postgres",
    db,
    ping: async () => {
      await pool.query("select 1");
    },
    close: () => pool.end(),
    exclusive: async (lockKey, fn) => {
      const client = await pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [lockKey]);
        return await fn();
      } finally {
        await client.query("select pg_advisory_unlock($1)", [lockKey]).catch(() => undefined);
        client.release();
      }
    },
  };
}

/** PGlite in a folder (or in memory with `memory://`). One process at a time may open a folder. */
export async function openEmbedded(dataDir: string): Promise<DatabaseHandle & { client: PGlite }> {
  if (dataDir.startsWith("memory://")) return wrapPglite(await PGlite.create({ dataDir, ...(await loadPgliteAssets()), extensions: pgliteExtensions }));
  await mkdir(dataDir, { recursive: true });
  const lock = await acquireDataDirLock(`${dataDir}.lock`);
  try {
    const handle = wrapPglite(await PGlite.create({ dataDir, ...(await loadPgliteAssets()), extensions: pgliteExtensions }));
    return { ...handle, close: () => handle.close().finally(() => lock.release()) };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

export function wrapPglite(client: PGlite): DatabaseHandle & { client: PGlite } {
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    kind: "embedded",
    client,
    db,
    ping: async () => {
      await client.query("select 1");
    },
    close: () => client.close(),
    // PGlite is single-process and serialises queries itself.
    exclusive: (_lockKey, fn) => fn(),
  };
}
