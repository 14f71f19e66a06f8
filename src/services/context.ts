import type { Executor } from "../lib/db/db.ts";
import type { Logger } from "../lib/logger.ts";
import type { Runtime } from "../runtime.ts";

export type TokenScope = "read" | "publish" | "admin";

export interface ActorUser {
  id: number;
  username: string;
  role: "user" | "admin";
}

/** Who is calling: a user reached through a session token or a personal API token. */
export interface Actor {
  user: ActorUser;
  via: "session" | "api_token";
  credentialId: number;
  scopes: readonly TokenScope[];
}

/** What every service verb receives. The tRPC context satisfies it; so do jobs and scripts. */
export interface ServiceContext {
  rt: Runtime;
  db: Executor;
  actor: Actor | null;
  logger: Logger;
}

export interface Call<I> {
  ctx: ServiceContext;
  input: I;
}

/** A context whose caller is known: what authedProcedure hands to services. */
export type AuthedServiceContext = ServiceContext & { actor: Actor };

export interface AuthedCall<I> {
  ctx: AuthedServiceContext;
  input: I;
}

/** Runs fn in a transaction, joining the caller's transaction when there already is one. */
export async function withTransaction<T>(ctx: ServiceContext, fn: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  if (isTransaction(ctx.db)) return fn(ctx);
  return ctx.db.transaction((tx) => fn({ ...ctx, db: tx }));
}

function isTransaction(db: Executor): boolean {
  // Drizzle transactions expose rollback(); plain database handles do not.
  return "rollback" in db;
}

/** The one scope rule: a `read` token may look but never change anything. */
export function mayChange(actor: Actor): boolean {
  return actor.scopes.some((s) => s === "publish" || s === "admin");
}

export const READ_ONLY_MESSAGE = "This token's scopes do not allow changes";

export function isAdmin(actor: Actor | null): boolean {
  return actor?.user.role === "admin";
}

/** The context of work nobody asked for in a request: jobs, schedules, scripts. */
export function systemContext(rt: Runtime, logger: Logger = rt.logger): ServiceContext {
  return { rt, db: rt.db.db, actor: null, logger };
}
