import { and, count, desc, eq, ilike, ne, or, sql } from "drizzle-orm";
import { agents, agentVersions, reviews, reviewVotes, starEvents, stars, type User as UserRow, users } from "../../../db/schema/index.ts";
import type { AdminUser, BlockUserInput, ListAdminUsersInput, UpdateAdminUserInput } from "../../contract/users.ts";
import { BadRequest } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { revokeUserApiTokens } from "../auth/api-tokens.ts";
import { revokeUserSessions } from "../auth/sessions.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import type { AuthedContext } from "../context.ts";
import { withTransaction } from "../context.ts";
import { queueObjectDeletions } from "../storage/deletions.ts";
import { findUserOrThrow, toAdminUser, userNotFound } from "./users.ts";

/** The admin's view of accounts: search, edit, block and delete. Admins cannot be blocked or deleted. */

export async function listAdminUsers(ctx: AuthedContext, input: ListAdminUsersInput): Promise<{ items: AdminUser[]; total: number }> {
  const where = input.search ? or(ilike(users.username, likePattern(input.search)), ilike(users.email, likePattern(input.search))) : undefined;
  const [rows, [totals]] = await Promise.all([
    ctx.db.select().from(users).where(where).orderBy(desc(users.createdAt), desc(users.id)).limit(input.limit).offset(input.offset),
    ctx.db.select({ n: count() }).from(users).where(where),
  ]);
  return { items: rows.map(toAdminUser), total: totals?.n ?? 0 };
}

export async function getAdminUser(ctx: AuthedContext, input: { id: number }): Promise<AdminUser> {
  return toAdminUser(await findUserOrThrow(ctx.db, input.id));
}

export async function updateAdminUser(ctx: AuthedContext, input: UpdateAdminUserInput): Promise<AdminUser> {
  const self = input.id === ctx.actor.user.id;
  // Guards against the last admin locking everyone out by accident.
  if (self && input.role === "user") throw new BadRequest("You cannot remove your own admin role");
  if (self && input.is_active === false) throw new BadRequest("You cannot deactivate your own account");
  const changes: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
  if (input.role !== undefined) changes.role = input.role;
  if (input.bio !== undefined) changes.bio = input.bio;
  if (input.is_active !== undefined) changes.isActive = input.is_active;
  const [row] = await ctx.db.update(users).set(changes).where(eq(users.id, input.id)).returning();
  if (!row) throw userNotFound(input.id);
  return toAdminUser(row);
}

/** Blocks the account and revokes every session and token in the same transaction. */
export async function blockUser(ctx: AuthedContext, input: BlockUserInput): Promise<AdminUser> {
  return withTransaction(ctx, async (tx) => {
    const target = await lockUser(tx.db, input.id);
    if (target.role === "admin") throw new BadRequest("Admins cannot be blocked");
    const [row] = await tx.db
      .update(users)
      .set({ isBlocked: true, blockedReason: input.blocked_reason, blockedAt: new Date(), updatedAt: new Date() })
      .where(eq(users.id, input.id))
      .returning();
    await revokeUserSessions(tx.db, input.id, "blocked");
    await revokeUserApiTokens(tx.db, input.id);
    if (!row) throw userNotFound(input.id);
    return toAdminUser(row);
  });
}

/** Lifts the block; revoked sessions and tokens stay revoked, so the user logs in afresh. */
export async function unblockUser(ctx: AuthedContext, input: { id: number }): Promise<AdminUser> {
  const [row] = await ctx.db
    .update(users)
    .set({ isBlocked: false, blockedReason: null, blockedAt: null, updatedAt: new Date() })
    .where(eq(users.id, input.id))
    .returning();
  if (!row) throw userNotFound(input.id);
  return toAdminUser(row);
}

/**
 * Deletes the account; its agents, reviews, stars, votes and tokens go by cascade. Counters on
 * other people's agents and reviews are corrected first, and the agents' stored files are
 * queued for deletion, all in the one transaction.
 */
export async function deleteUser(ctx: AuthedContext, input: { id: number }): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const target = await lockUser(tx.db, input.id);
    if (target.role === "admin") throw new BadRequest("Admins cannot be deleted");
    await queueAgentFiles(tx.db, input.id);
    await withdrawFromOthersAgents(tx.db, input.id);
    await tx.db.delete(users).where(eq(users.id, input.id));
  });
  await invalidateCatalog(ctx.ports);
}

async function lockUser(db: Executor, id: number): Promise<UserRow> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).for("update");
  if (!row) throw userNotFound(id);
  return row;
}

async function queueAgentFiles(db: Executor, userId: number): Promise<void> {
  // Locking the agents waits for a publish to one of them that is still committing, so its key is filed too.
  await db.select({ id: agents.id }).from(agents).where(eq(agents.authorId, userId)).for("update");
  const versions = await db
    .select({ key: agentVersions.storageKey })
    .from(agentVersions)
    .innerJoin(agents, eq(agents.id, agentVersions.agentId))
    .where(eq(agents.authorId, userId));
  await queueObjectDeletions(
    db,
    versions.map((v) => v.key),
    "user_deleted",
  );
}

/** Takes the user's stars, reviews and helpful votes off the counters of agents and reviews that stay. */
async function withdrawFromOthersAgents(db: Executor, userId: number): Promise<void> {
  const unstarred = await db
    .update(agents)
    .set({ stars: sql`${agents.stars} - 1`, updatedAt: sql`${agents.updatedAt}` })
    .from(stars)
    .where(and(eq(stars.agentId, agents.id), eq(stars.userId, userId), ne(agents.authorId, userId)))
    .returning({ agentId: agents.id });
  if (unstarred.length > 0) {
    // Unstar events keep "stars this window" right for trending; the user id goes with the user.
    await db.insert(starEvents).values(unstarred.map(({ agentId }) => ({ agentId, userId: null, delta: -1 })));
  }
  await db
    .update(agents)
    .set({ ratingSum: sql`${agents.ratingSum} - ${reviews.rating}`, reviewCount: sql`${agents.reviewCount} - 1`, updatedAt: sql`${agents.updatedAt}` })
    .from(reviews)
    .where(and(eq(reviews.agentId, agents.id), eq(reviews.userId, userId), ne(agents.authorId, userId)));
  await db
    .update(reviews)
    .set({ helpfulCount: sql`${reviews.helpfulCount} - 1`, updatedAt: sql`${reviews.updatedAt}` })
    .from(reviewVotes)
    .where(and(eq(reviewVotes.reviewId, reviews.id), eq(reviewVotes.userId, userId), ne(reviews.userId, userId)));
}

/** `%` and `_` in a search are literal characters, not wildcards. */
function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
