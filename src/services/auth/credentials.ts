import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { apiTokens, sessions, users } from "../../../db/schema/index.ts";
import type { ApiTokenScope } from "../../contract/tokens.ts";
import { Unauthorized } from "../../errors.ts";
import type { ActorUser, Caller, TrustedPublisherActor } from "../actor.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";
import type { Ports } from "../ports.ts";
import { ACTIVE_WINDOW_DAYS } from "../search/site-stats.ts";
import { authenticatePublishToken, isPublishToken } from "../trusted-publishing/publish-tokens.ts";
import { accountRefusal } from "./accounts.ts";
import { hashSecret, isApiToken } from "./secrets.ts";

/**
 * Bearer token -> Actor, on every authenticated request: one indexed query (credential joined
 * to its user), no cache, so revoking, blocking and deactivating take effect on the next request.
 */

/** last_used_at / last_seen_at / last_active_at are written at most this often per row. */
export const TOUCH_INTERVAL_MS = 60_000;

const userColumns = {
  id: users.id,
  username: users.username,
  role: users.role,
  isActive: users.isActive,
  isBlocked: users.isBlocked,
  blockedReason: users.blockedReason,
  lastActiveAt: users.lastActiveAt,
};

export async function authenticateBearer(ctx: ServiceContext, token: string): Promise<Caller | TrustedPublisherActor> {
  if (isPublishToken(token)) return authenticatePublishToken(ctx, token);
  return isApiToken(token) ? authenticateApiToken(ctx, token) : authenticateSession(ctx, token);
}

async function authenticateSession(ctx: ServiceContext, token: string): Promise<Caller> {
  const [row] = await ctx.db
    .select({ id: sessions.id, expiresAt: sessions.accessExpiresAt, revokedAt: sessions.revokedAt, lastSeenAt: sessions.lastSeenAt, user: userColumns })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.accessTokenHash, hashSecret(token)));
  if (!row) throw new Unauthorized("Invalid or expired token");
  // A blocked user hears why, even though blocking also revoked the session.
  const refusal = accountRefusal(row.user);
  if (refusal) throw refusal;
  if (row.revokedAt !== null) throw new Unauthorized("Session has been revoked");
  if (row.expiresAt.getTime() <= Date.now()) throw new Unauthorized("Access token expired");

  if (isStale(row.lastSeenAt)) {
    touchLater(ctx.ports, `s:${row.id}`, () =>
      ctx.db
        .update(sessions)
        .set({ lastSeenAt: new Date() })
        .where(and(eq(sessions.id, row.id), staleBefore(sessions.lastSeenAt))),
    );
  }
  touchUserLater(ctx, row.user);
  const scopes: ApiTokenScope[] = row.user.role === "admin" ? ["read", "publish", "admin"] : ["read", "publish"];
  return { kind: "user", user: actorUser(row.user), sessionId: row.id, scopes };
}

async function authenticateApiToken(ctx: ServiceContext, token: string): Promise<Caller> {
  const [row] = await ctx.db
    .select({
      id: apiTokens.id,
      scopes: apiTokens.scopes,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
      lastUsedAt: apiTokens.lastUsedAt,
      user: userColumns,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashSecret(token)));
  if (!row) throw new Unauthorized("Invalid or expired token");
  const refusal = accountRefusal(row.user);
  if (refusal) throw refusal;
  if (row.revokedAt !== null) throw new Unauthorized("API token has been revoked");
  if (row.expiresAt !== null && row.expiresAt.getTime() <= Date.now()) throw new Unauthorized("API token expired");

  if (isStale(row.lastUsedAt)) {
    touchLater(ctx.ports, `t:${row.id}`, () =>
      ctx.db
        .update(apiTokens)
        .set({ lastUsedAt: new Date() })
        .where(and(eq(apiTokens.id, row.id), staleBefore(apiTokens.lastUsedAt))),
    );
  }
  touchUserLater(ctx, row.user);
  // An admin-scoped token of a user who is no longer admin keeps only what the user may still do.
  const scopes = row.user.role === "admin" ? row.scopes : row.scopes.filter((s) => s !== "admin");
  return { kind: "apiToken", user: actorUser(row.user), tokenId: row.id, scopes };
}

function actorUser(user: { id: number; username: string; role: ActorUser["role"] }): ActorUser {
  return { id: user.id, username: user.username, role: user.role };
}

function touchUserLater(ctx: ServiceContext, user: { id: number; lastActiveAt: Date | null }): void {
  if (!isStale(user.lastActiveAt)) return;
  // Someone back after a long absence counts again in /stats' active_this_month.
  const returning = user.lastActiveAt === null || Date.now() - user.lastActiveAt.getTime() >= ACTIVE_WINDOW_DAYS * 24 * 60 * 60 * 1000;
  // users.updated_at is left alone: activity is not a profile change.
  touchLater(ctx.ports, `u:${user.id}`, async () => {
    await ctx.db
      .update(users)
      .set({ lastActiveAt: new Date(), updatedAt: sql`${users.updatedAt}` })
      .where(and(eq(users.id, user.id), staleBefore(users.lastActiveAt)));
    if (returning) await invalidateCatalog(ctx.ports);
  });
}

function isStale(at: Date | null): boolean {
  return at === null || Date.now() - at.getTime() >= TOUCH_INTERVAL_MS;
}

/** The condition again in SQL, so other instances that read the same stale value write nothing. */
function staleBefore(column: typeof sessions.lastSeenAt | typeof apiTokens.lastUsedAt | typeof users.lastActiveAt) {
  return or(isNull(column), lt(column, new Date(Date.now() - TOUCH_INTERVAL_MS)));
}

/** Rows with a write in flight in this process; a burst of requests issues one write, not one each. */
const inFlight = new WeakMap<Ports, Set<string>>();

/** Runs the write after the response path, never awaited by the request; failures only log. */
function touchLater(ports: Ports, key: string, write: () => PromiseLike<unknown>): void {
  const pending = inFlight.get(ports) ?? new Set<string>();
  inFlight.set(ports, pending);
  if (pending.has(key)) return;
  pending.add(key);
  Promise.resolve()
    .then(write)
    .catch((err: unknown) => ports.logger.warn({ err, key }, "could not record credential use"))
    .finally(() => pending.delete(key));
}
