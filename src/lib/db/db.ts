import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import * as schema from "../../../db/schema/index.ts";
import type { Env } from "../../env.ts";
import { markPhase } from "../startup-phases.ts";
import { acquireDataDirLock } from "./data-dir-lock.ts";
import { loadPgliteAssets, pgliteExtensions } from "./pglite-assets.ts";
import { embeddedDatabaseTemplate } from "./pglite-template.ts";
import { connectReadReplica, type ReadReplica } from "./read-replica.ts";

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
  /** The replica of DATABASE_READ_URL, when configured (anonymous catalog reads go there). */
  reads?: ReadReplica;
  /** Connections of the pool (PostgreSQL only): open, idle, and callers waiting for one. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
  /** Runs fn while holding a cluster-wide lock, so N instances starting at once migrate once. */
  exclusive<T>(lockKey: number, fn: () => Promise<T>): Promise<T>;
}

export interface PostgresOptions {
  poolSize?: number;
  /** Server-side limit per statement (0: none); the client gives up 2 s later if the server is hung. */
  statementTimeoutMs?: number;
  /** Limit for opening a connection and for waiting for a free pooled one. */
  connectTimeoutMs?: number;
  /** A pooled connection failed (idle or checked out); the query in flight, if any, fails on its own. */
  onConnectionError?: (error: Error) => void;
  /** A new connection was opened: the database answers (again). */
  onConnect?: () => void;
  /** A streaming replica for reads (see read-replica.ts). */
  readUrl?: string;
}

export async function createDatabase(env: Env, options: Pick<PostgresOptions, "onConnectionError" | "onConnect"> = {}): Promise<DatabaseHandle> {
  if (env.DATABASE_URL)
    return connectPostgres(env.DATABASE_URL, {
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      readUrl: env.DATABASE_READ_URL,
      ...options,
    });
  return openEmbedded(join(resolve(env.DATA_DIR), "db"), { sharedBuffersMb: env.EMBEDDED_SHARED_BUFFERS_MB });
}

export function connectPostgres(url: string, options: PostgresOptions | number = {}): DatabaseHandle {
  const {
    poolSize = 10,
    statementTimeoutMs = 15_000,
    connectTimeoutMs = 5_000,
    onConnectionError,
    onConnect,
    readUrl,
  } = typeof options === "number" ? { poolSize: options } : options;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
    keepAlive: true,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 2_000 } : {}),
    idle_in_transaction_session_timeout: Math.max(statementTimeoutMs, 60_000),
  });
  const onError = (error: Error) => onConnectionError?.(error);
  // An idle client that loses its connection emits on the pool; a checked-out one (every
  // transaction) emits on itself, and an 'error' event nobody listens to ends the process.
  pool.on("error", onError);
  pool.on("connect", (client) => {
    client.on("error", onError);
    onConnect?.();
  });
  const db = drizzlePg(pool, { schema });
  const reads = readUrl ? connectReadReplica({ pool, db }, readUrl, { poolSize, statementTimeoutMs, connectTimeoutMs, onConnectionError }) : undefined;
  return {
    kind: "postgres",
    db,
    reads,
    ping: async () => {
      await pool.query("select 1");
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await reads?.close();
      await pool.end();
    },
    exclusive: async (lockKey, fn) => {
      // A connection of its own, without the statement timeout: waiting for another instance's
      // migrations is legitimate, however long they take.
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, keepAlive: true });
      client.on("error", onError);
      await client.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [lockKey]);
        return await fn();
      } finally {
        await client.query("select pg_advisory_unlock($1)", [lockKey]).catch(() => undefined);
        await client.end().catch(() => undefined);
      }
    },
  };
}

/** Whether DATA_DIR already holds an embedded database (a first start creates one, which takes seconds). */
export function embeddedDatabaseExists(env: Pick<Env, "DATA_DIR">): boolean {
  return existsSync(join(resolve(env.DATA_DIR), "db", "PG_VERSION"));
}

/** PGlite in a folder (or in memory with `memory://`). One process at a time may open a folder. */
export async function openEmbedded(
  dataDir: string,
  { template = embeddedDatabaseTemplate(), sharedBuffersMb }: { template?: Blob; sharedBuffersMb?: number } = {},
): Promise<DatabaseHandle & { client: PGlite }> {
  if (dataDir.startsWith("memory://")) return wrapPglite(await PGlite.create({ dataDir, ...(await loadPgliteAssets()), extensions: pgliteExtensions }));
  await mkdir(dataDir, { recursive: true });
  const lock = await acquireDataDirLock(`${dataDir}.lock`);
  try {
    const assets = await loadPgliteAssets();
    markPhase("pglite_assets");
    // The binary's first start: the template already holds the migrations it was built with.
    const loadDataDir = existsSync(join(dataDir, "PG_VERSION")) ? undefined : template;
    const handle = wrapPglite(await PGlite.create({ dataDir, ...assets, extensions: pgliteExtensions, ...(loadDataDir ? { loadDataDir } : {}) }));
    if (sharedBuffersMb !== undefined) await keepSharedBuffers(handle.client, sharedBuffersMb);
    return { ...handle, close: () => handle.close().finally(() => lock.release()) };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/**
 * Records the embedded database's shared_buffers (env.ts, EMBEDDED_SHARED_BUFFERS_MB) in its data
 * folder when it differs: PostgreSQL reads it at start, so it applies from the next start on (the
 * binary's template already holds the default).
 */
export async function keepSharedBuffers(client: PGlite, megabytes: number): Promise<void> {
  if (!Number.isInteger(megabytes) || megabytes < 1) throw new RangeError(`shared_buffers must be a whole number of MB, got ${megabytes}`);
  const { rows } = await client.query<{ mb: number }>("select (setting::bigint * 8 / 1024)::int as mb from pg_settings where name = 'shared_buffers'");
  if (rows[0]?.mb !== megabytes) await client.exec(`alter system set shared_buffers = '${megabytes}MB'`);
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
