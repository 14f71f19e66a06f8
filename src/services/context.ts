import type { Database, Executor } from "../lib/db/db.ts";
import type { Logger } from "../lib/logger.ts";
import { type Actor, type Caller, SYSTEM } from "./actor.ts";
import type { Ports } from "./ports.ts";

/** What every service verb receives first: `verb(ctx, input)`. */
export interface ServiceContext {
  ports: Ports;
  /** The pool, or the open transaction the verb joins. */
  db: Executor;
  actor: Actor;
  logger: Logger;
}

/** A context whose caller is a signed-in person: what authenticated procedures hand to services. */
export type AuthedContext = ServiceContext & { actor: Caller };

/** Runs fn in a transaction, joining the caller's transaction when there already is one. */
export async function withTransaction<T>(ctx: ServiceContext, fn: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  if (isTransaction(ctx.db)) return fn(ctx);
  return ctx.db.transaction((tx) => fn({ ...ctx, db: tx }));
}

function isTransaction(db: Executor): boolean {
  // Drizzle transactions expose rollback(); plain database handles do not.
  return "rollback" in db;
}

/** The context of work nobody asked for in a request: jobs, schedules, scripts. */
export function systemContext(ports: Ports, db: Database, logger: Logger = ports.logger): ServiceContext {
  return { ports, db, actor: SYSTEM, logger };
}
