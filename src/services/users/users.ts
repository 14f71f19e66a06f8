import { and, desc, eq, sql } from "drizzle-orm";
import { agents, stars, type User as UserRow, users } from "../../../db/schema/index.ts";
import type { AdminUser, User, UserProfile } from "../../contract/users.ts";
import { NotFound } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { type Actor, ANONYMOUS, isAdmin, userIdOf } from "../actor.ts";
import { visibleTo } from "../agents/queries.ts";
import type { AuthedContext } from "../context.ts";

/** The contract's email rule: the real address only for the user themself and admins. */
export function canSeeEmail(viewer: Actor, userId: number): boolean {
  return userIdOf(viewer) === userId || isAdmin(viewer);
}

/** The User object of the contract; `realEmail` comes from canSeeEmail (true for the user themself). */
export function toUser(row: UserRow, realEmail: boolean): User {
  return {
    id: row.id,
    github_id: row.githubId,
    username: row.username,
    email: realEmail ? row.email : noReplyEmail(row),
    avatar_url: row.avatarUrl,
    bio: row.bio,
    reputation: row.reputation,
    role: row.role,
    is_active: row.isActive,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function toAdminUser(row: UserRow): AdminUser {
  return {
    ...toUser(row, true),
    is_blocked: row.isBlocked,
    blocked_reason: row.blockedReason,
  };
}

/** GitHub's no-reply form; accounts not yet linked to GitHub use the older form without an id. */
function noReplyEmail(row: UserRow): string {
  const local = row.githubId === null ? row.username : `${row.githubId}+${row.username}`;
  return `${local}@users.noreply.github.com`;
}

export async function findUserOrThrow(db: Executor, id: number): Promise<UserRow> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  if (!row) throw userNotFound(id);
  return row;
}

export function userNotFound(id: number): NotFound {
  return new NotFound(`User ${id} not found`);
}

export async function getMe(ctx: AuthedContext): Promise<User> {
  return toUser(await findUserOrThrow(ctx.db, ctx.actor.user.id), true);
}

export async function getMyProfile(ctx: AuthedContext): Promise<UserProfile> {
  const row = await findUserOrThrow(ctx.db, ctx.actor.user.id);
  return { ...toUser(row, true), stats: await userStats(ctx.db, row.id, true) };
}

/** Counted from the agents themselves, so the numbers cannot drift. */
export async function userStats(db: Executor, userId: number, includePrivate: boolean): Promise<UserProfile["stats"]> {
  const [row] = await db
    .select({
      agents_published: sql<number>`count(*)`.mapWith(Number),
      total_downloads: sql<number>`coalesce(sum(${agents.downloads}), 0)`.mapWith(Number),
      total_stars: sql<number>`coalesce(sum(${agents.stars}), 0)`.mapWith(Number),
    })
    .from(agents)
    .where(includePrivate ? eq(agents.authorId, userId) : and(eq(agents.authorId, userId), visibleTo(ANONYMOUS)));
  return row ?? { agents_published: 0, total_downloads: 0, total_stars: 0 };
}

/** Slugs of the caller's starred agents, newest star first; private agents only when they may see them. */
export async function listMyStarred(ctx: AuthedContext): Promise<{ starred: string[] }> {
  const visible = visibleTo(ctx.actor);
  const rows = await ctx.db
    .select({ slug: agents.slug })
    .from(stars)
    .innerJoin(agents, eq(agents.id, stars.agentId))
    .where(and(eq(stars.userId, ctx.actor.user.id), visible))
    .orderBy(desc(stars.createdAt), desc(stars.agentId));
  return { starred: rows.map((r) => r.slug) };
}
