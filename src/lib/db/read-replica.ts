import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "../../../db/schema/index.ts";

/** The Database type of db.ts, named here so the two modules do not import each other. */
type Database = NodePgDatabase<typeof schema>;

/**
 * A streaming replica for reads (DATABASE_READ_URL). Reads go there only when it has replayed
 * everything the primary had written when they start (a WAL position fence, two trivial queries),
 * so an answer computed there is never older than one computed on the primary at that moment;
 * the answer cache can store it under the current generation. Otherwise, and whenever the
 * replica fails, the primary answers.
 */
const ROUTED_TARGET = Symbol("the database a routed handle currently reads from");

/**
 * The database `db` stands for right now: for the routed handle, the replica inside
 * `whenCaughtUp` and the primary elsewhere; any other handle is itself. Whatever binds to a
 * connection pool for later (prepared statements) must bind to this, not to the routed handle.
 */
export function currentDatabase<T extends object>(db: T): T {
  return ((db as Record<symbol, unknown>)[ROUTED_TARGET] as T | undefined) ?? db;
}

export interface ReadReplica {
  /** Reads from the replica inside `whenCaughtUp`, from the primary everywhere else. */
  readonly routed: Database;
  whenCaughtUp<T>(fn: () => Promise<T>): Promise<T>;
  /** Reads that went to the replica, and those that fell back to the primary (metrics, tests). */
  readonly counts: { replica: number; primary: number };
  close(): Promise<void>;
}

export function connectReadReplica(
  primary: { pool: pg.Pool; db: Database },
  url: string,
  options: { poolSize: number; statementTimeoutMs: number; connectTimeoutMs: number; onConnectionError?: (error: Error) => void },
): ReadReplica {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + 2_000 } : {}),
  });
  const onError = (error: Error) => options.onConnectionError?.(error);
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  const replica = drizzle(pool, { schema }) as unknown as Database;
  const current = new AsyncLocalStorage<Database>();
  const counts = { replica: 0, primary: 0 };

  const routed = new Proxy(primary.db, {
    get(target, prop) {
      const db = current.getStore() ?? target;
      if (prop === ROUTED_TARGET) return db;
      const value = Reflect.get(db, prop, db);
      return typeof value === "function" ? value.bind(db) : value;
    },
  });

  async function caughtUp(): Promise<boolean> {
    try {
      const { rows } = await primary.pool.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn");
      const fence = rows[0]?.lsn;
      if (!fence) return false;
      const replayed = await pool.query<{ ok: boolean | null }>("select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok", [fence]);
      return replayed.rows[0]?.ok === true;
    } catch {
      return false;
    }
  }

  return {
    routed,
    counts,
    async whenCaughtUp(fn) {
      if (!(await caughtUp())) {
        counts.primary++;
        return fn();
      }
      counts.replica++;
      return current.run(replica, fn);
    },
    close: () => pool.end(),
  };
}
