import { and, eq, isNull, lt, or } from "drizzle-orm";
import { rotatedRefreshTokens, sessions, users } from "../../../db/schema/index.ts";
import type { SessionTokens } from "../../contract/auth.ts";
import { Unauthorized } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { ServiceContext } from "../context.ts";
import { withTransaction } from "../context.ts";
import { accountRefusal } from "./accounts.ts";
import { generateSecret, hashSecret } from "./secrets.ts";

/**
 * Sessions after Lucia's guide: one row per login holding the SHA-256 of an access token
 * (short-lived) and of a refresh token (long-lived). Refreshing rotates both; the old refresh
 * hash is filed, and presenting it again means it was stolen, so the whole session is revoked.
 */

/** Where a login came from, kept on the session for the user's own review. */
export interface ClientInfo {
  ip: string;
  userAgent: string | null;
}

/** Revoked sessions are kept this long before the purge, so a replayed token still reads as revoked. */
const REVOKED_SESSION_RETENTION_MS = 24 * 60 * 60 * 1000;

export async function createSession(ctx: ServiceContext, userId: number, client: ClientInfo): Promise<SessionTokens> {
  const fresh = freshTokens(ctx);
  await ctx.db.insert(sessions).values({
    userId,
    ...fresh.columns,
    ip: client.ip.slice(0, 64),
    userAgent: client.userAgent?.slice(0, 500) ?? null,
  });
  return fresh.tokens;
}

export async function refreshSession(ctx: ServiceContext, refreshToken: string): Promise<SessionTokens> {
  const hash = hashSecret(refreshToken);
  const outcome = await withTransaction(ctx, async (tx) => {
    // The row lock serialises concurrent refreshes of one session: the loser finds its hash rotated.
    const [row] = await tx.db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.refreshTokenHash, hash))
      .for("update", { of: sessions });
    if (!row) return (await revokeIfRotated(tx.db, hash)) ? "reused" : "unknown";
    const { session, user } = row;
    if (session.revokedAt !== null || session.refreshExpiresAt.getTime() <= Date.now()) return "unknown";
    const refusal = accountRefusal(user);
    if (refusal) throw refusal;
    const fresh = freshTokens(ctx);
    await tx.db.insert(rotatedRefreshTokens).values({ tokenHash: hash, sessionId: session.id });
    await tx.db
      .update(sessions)
      .set({ ...fresh.columns, lastSeenAt: new Date() })
      .where(eq(sessions.id, session.id));
    return fresh.tokens;
  });
  if (outcome === "reused") throw new Unauthorized("Refresh token was already used; the session has been revoked");
  if (outcome === "unknown") throw new Unauthorized("Invalid or expired refresh token");
  return outcome;
}

/** A replayed refresh token revokes its session; the revocation must commit, so it is not thrown here. */
async function revokeIfRotated(db: Executor, hash: string): Promise<boolean> {
  const [rotated] = await db.select({ sessionId: rotatedRefreshTokens.sessionId }).from(rotatedRefreshTokens).where(eq(rotatedRefreshTokens.tokenHash, hash));
  if (!rotated) return false;
  await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: "refresh_reuse" })
    .where(and(eq(sessions.id, rotated.sessionId), isNull(sessions.revokedAt)));
  return true;
}

/** Logout: revokes the session by id (bearer) and/or by its refresh token; unknown tokens are a no-op. */
export async function revokeSession(ctx: ServiceContext, target: { sessionId?: number; refreshToken?: string }): Promise<void> {
  const matches = [];
  if (target.sessionId !== undefined) matches.push(eq(sessions.id, target.sessionId));
  if (target.refreshToken) matches.push(eq(sessions.refreshTokenHash, hashSecret(target.refreshToken)));
  if (matches.length === 0) return;
  await ctx.db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: "logout" })
    .where(and(or(...matches), isNull(sessions.revokedAt)));
}

export async function revokeUserSessions(db: Executor, userId: number, reason: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

/** For the purge schedule: sessions past their refresh expiry, and revoked ones after a grace day. */
export async function purgeExpiredSessions(ctx: ServiceContext): Promise<number> {
  const now = Date.now();
  const deleted = await ctx.db
    .delete(sessions)
    .where(or(lt(sessions.refreshExpiresAt, new Date(now)), lt(sessions.revokedAt, new Date(now - REVOKED_SESSION_RETENTION_MS))))
    .returning({ id: sessions.id });
  return deleted.length;
}

function freshTokens(ctx: ServiceContext) {
  const { ACCESS_TOKEN_TTL_SECONDS: accessTtl, REFRESH_TOKEN_TTL_SECONDS: refreshTtl } = ctx.ports.env;
  const accessToken = generateSecret();
  const refreshToken = generateSecret();
  const now = Date.now();
  return {
    tokens: { access_token: accessToken, refresh_token: refreshToken, token_type: "bearer" as const, expires_in: accessTtl },
    columns: {
      accessTokenHash: hashSecret(accessToken),
      refreshTokenHash: hashSecret(refreshToken),
      accessExpiresAt: new Date(now + accessTtl * 1000),
      refreshExpiresAt: new Date(now + refreshTtl * 1000),
    },
  };
}
