import { and, eq, isNotNull, isNull, ne, notExists, sql } from "drizzle-orm";
import { adminLoginBindings, type User as UserRow, users } from "../../../db/schema/index.ts";
import { BadRequest, Forbidden, ServiceUnavailable } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { isUniqueViolation } from "../../lib/db/errors.ts";
import { GitHubError, type GitHubProfile } from "../../lib/github.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";

/** The facts about an account that decide whether it may act at all. */
export interface AccountStanding {
  isActive: boolean;
  isBlocked: boolean;
  blockedReason: string | null;
}

/** Blocked or deactivated accounts are refused everywhere with the contract's blocked body. */
export function accountRefusal(account: AccountStanding): Forbidden | null {
  if (account.isBlocked) {
    return new Forbidden({ blocked: true, message: "Your account has been blocked", reason: account.blockedReason });
  }
  if (!account.isActive) {
    return new Forbidden({ blocked: true, message: "Your account has been deactivated", reason: null });
  }
  return null;
}

/**
 * ADMIN_GITHUB_LOGINS names logins, which GitHub lets people rename and others register again:
 * a configured login promotes only the GitHub account it was first promoted as (its id is
 * recorded then). Before any binding, an admin already holding that username is that account.
 */
async function isConfiguredAdmin(ctx: ServiceContext, profile: GitHubProfile): Promise<boolean> {
  const login = profile.login.toLowerCase();
  if (!ctx.ports.env.ADMIN_GITHUB_LOGINS.some((name) => name.toLowerCase() === login)) return false;
  const [earlier] = await ctx.db
    .select({ githubId: users.githubId })
    .from(users)
    .where(and(sql`lower(${users.username}) = ${login}`, eq(users.role, "admin"), isNotNull(users.githubId)));
  await ctx.db
    .insert(adminLoginBindings)
    .values({ login, githubId: earlier?.githubId ?? profile.id })
    .onConflictDoNothing();
  const [binding] = await ctx.db.select({ githubId: adminLoginBindings.githubId }).from(adminLoginBindings).where(eq(adminLoginBindings.login, login));
  if (binding?.githubId === profile.id) return true;
  ctx.logger.warn(
    { login, github_id: profile.id, bound_github_id: binding?.githubId },
    "a configured admin login now belongs to another GitHub account; not promoted",
  );
  return false;
}

/**
 * Creates or refreshes the account of a GitHub user; username, avatar and email follow GitHub.
 * Race-safe: concurrent first logins meet in `on conflict (github_id)`; a clash on the username
 * index (the other login won, or someone else held the name) is resolved and retried.
 */
export async function upsertGithubUser(ctx: ServiceContext, profile: GitHubProfile): Promise<UserRow> {
  const promote = await isConfiguredAdmin(ctx, profile);
  for (let attempt = 0; ; attempt++) {
    try {
      await claimUnlinkedAccount(ctx.db, profile);
      const user = await insertOrUpdate(ctx.db, profile, promote);
      // A new account counts in /stats and /search; a new name or avatar shows on its agents.
      await invalidateCatalog(ctx.ports);
      return user;
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 2) throw error;
      if (isUniqueViolation(error, "users_username_lower_unique")) await releaseUsername(ctx.db, profile);
    }
  }
}

async function insertOrUpdate(db: Executor, profile: GitHubProfile, promote: boolean): Promise<UserRow> {
  const now = new Date();
  const [row] = await db
    .insert(users)
    .values({
      githubId: profile.id,
      username: profile.login,
      email: profile.email,
      avatarUrl: profile.avatarUrl,
      bio: profile.bio,
      role: promote ? "admin" : "user",
      lastActiveAt: now,
    })
    .onConflictDoUpdate({
      target: users.githubId,
      set: {
        username: sql`excluded.username`,
        email: sql`excluded.email`,
        avatarUrl: sql`excluded.avatar_url`,
        lastActiveAt: now,
        // updated_at marks profile changes, not every login.
        updatedAt: sql`case when (${users.username}, ${users.email}, ${users.avatarUrl}) is distinct from (excluded.username, excluded.email, excluded.avatar_url) then now() else ${users.updatedAt} end`,
        // Config only promotes; an admin made another way is never demoted by logging in.
        ...(promote ? { role: "admin" as const } : {}),
      },
    })
    .returning();
  if (!row) throw new Error("upsert returned no row");
  return row;
}

/** An account made by `bootstrap-admin --create` has no GitHub id yet; its owner's first login links it. */
async function claimUnlinkedAccount(db: Executor, profile: GitHubProfile): Promise<void> {
  const linked = db.select({ id: users.id }).from(users).where(eq(users.githubId, profile.id));
  await db
    .update(users)
    .set({ githubId: profile.id, updatedAt: sql`${users.updatedAt}` })
    .where(and(isNull(users.githubId), sql`lower(${users.username}) = lower(${profile.login})`, notExists(linked)));
}

/** Someone else (renamed on GitHub since) still holds this login: move them aside until they log in again. */
async function releaseUsername(db: Executor, profile: GitHubProfile): Promise<void> {
  await db
    .update(users)
    .set({ username: sql`${users.username} || '-' || ${users.githubId}::text` })
    .where(and(sql`lower(${users.username}) = lower(${profile.login})`, isNotNull(users.githubId), ne(users.githubId, profile.id)));
}

/** A call to GitHub whose refusal is the caller's 400 and whose outage is our 503. */
export async function askGithub<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof GitHubError)) throw error;
    throw error.kind === "rejected" ? new BadRequest(error.message) : new ServiceUnavailable(error.message);
  }
}
