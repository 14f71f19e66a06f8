import { and, count, desc, eq, type SQL, sql } from "drizzle-orm";
import { agents, reviews, reviewVotes, users } from "../../db/schema/index.ts";
import type { AgentReviewPage, CreateReviewInput, ListReviewsInput, Review, ReviewRef, UpdateReviewInput } from "../contract/reviews.ts";
import { Conflict, Forbidden, NotFound } from "../errors.ts";
import type { Executor } from "../lib/db/db.ts";
import { isForeignKeyViolation } from "../lib/db/errors.ts";
import { type Actor, isAdmin } from "./actor.ts";
import { agentNotFound, findVisibleAgent, isAuthor, visibleTo } from "./agents/queries.ts";
import { invalidateCounters } from "./catalog-cache.ts";
import { type AuthedContext, type ServiceContext, withTransaction } from "./context.ts";
import { type Page, toPage } from "./pagination.ts";

/**
 * Reviews. Writing one changes agents.rating_sum / review_count in the same transaction with a
 * relative update; `rating` is generated from them, so it is the exact mean at every commit.
 */

const reviewColumns = {
  id: reviews.id,
  agentId: reviews.agentId,
  agentSlug: agents.slug,
  agentName: agents.name,
  userId: users.id,
  username: users.username,
  avatarUrl: users.avatarUrl,
  rating: reviews.rating,
  comment: reviews.comment,
  helpfulCount: reviews.helpfulCount,
  createdAt: reviews.createdAt,
  updatedAt: reviews.updatedAt,
};

function selectReviews(db: Executor) {
  return db.select(reviewColumns).from(reviews).innerJoin(agents, eq(agents.id, reviews.agentId)).innerJoin(users, eq(users.id, reviews.userId)).$dynamic();
}

type ReviewRow = Awaited<ReturnType<ReturnType<typeof selectReviews>["execute"]>>[number];

function toReview(row: ReviewRow): Review {
  return {
    id: row.id,
    agent_id: row.agentId,
    agent_slug: row.agentSlug,
    agent_name: row.agentName,
    user: { id: row.userId, username: row.username, avatar_url: row.avatarUrl },
    rating: row.rating,
    comment: row.comment,
    helpful_count: row.helpfulCount,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const reviewOrder = {
  helpful: [desc(reviews.helpfulCount), desc(reviews.id)],
  recent: [desc(reviews.createdAt), desc(reviews.id)],
  rating: [desc(reviews.rating), desc(reviews.id)],
} as const;

export async function listAgentReviews(ctx: ServiceContext, input: ListReviewsInput): Promise<AgentReviewPage> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const page = await pageOfReviews(ctx.db, eq(reviews.agentId, agent.id), input, reviewOrder[input.sort]);
  return { ...page, average_rating: agent.rating };
}

/** Reviews matching `where`, joined to their agent (the caller folds visibility into `where`). */
export async function pageOfReviews(
  db: Executor,
  where: SQL | undefined,
  window: { limit: number; offset: number },
  order: readonly SQL[],
): Promise<Page<Review>> {
  const [rows, [total]] = await Promise.all([
    selectReviews(db)
      .where(where)
      .orderBy(...order)
      .limit(window.limit)
      .offset(window.offset),
    db.select({ n: count() }).from(reviews).innerJoin(agents, eq(agents.id, reviews.agentId)).where(where),
  ]);
  return toPage(rows.map(toReview), total?.n ?? 0, window);
}

export async function createReview(ctx: AuthedContext, input: CreateReviewInput): Promise<Review> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  if (isAuthor(ctx.actor, agent)) throw new Forbidden("You cannot review your own agent");
  let id: number;
  try {
    id = await withTransaction(ctx, async (tx) => {
      const [row] = await tx.db
        .insert(reviews)
        .values({ agentId: agent.id, userId: ctx.actor.user.id, rating: input.rating, comment: input.comment ?? null })
        .onConflictDoNothing({ target: [reviews.agentId, reviews.userId] })
        .returning({ id: reviews.id });
      if (!row) throw new Conflict("You have already reviewed this agent");
      await adjustRating(tx.db, agent.id, input.rating, 1);
      return row.id;
    });
  } catch (error) {
    if (isForeignKeyViolation(error)) throw agentNotFound(input.slug);
    throw error;
  }
  await invalidateCounters(ctx.ports);
  return findReviewOrThrow(ctx.db, ctx.actor, { id });
}

export async function updateReview(ctx: AuthedContext, input: UpdateReviewInput): Promise<Review> {
  await withTransaction(ctx, async (tx) => {
    const review = await lockVisibleReview(tx.db, ctx.actor, input);
    if (review.userId !== ctx.actor.user.id) throw new Forbidden("Only the author of a review can change it");
    const changes: Partial<typeof reviews.$inferInsert> = {};
    if (input.rating !== undefined) changes.rating = input.rating;
    if (input.comment !== undefined) changes.comment = input.comment;
    if (Object.keys(changes).length === 0) return;
    await tx.db.update(reviews).set(changes).where(eq(reviews.id, review.id));
    if (input.rating !== undefined && input.rating !== review.rating) await adjustRating(tx.db, review.agentId, input.rating - review.rating, 0);
  });
  await invalidateCounters(ctx.ports);
  return findReviewOrThrow(ctx.db, ctx.actor, input);
}

export async function deleteReview(ctx: AuthedContext, input: ReviewRef): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const review = await lockVisibleReview(tx.db, ctx.actor, input);
    if (review.userId !== ctx.actor.user.id && !isAdmin(ctx.actor)) throw new Forbidden("Only the author of a review or an admin can delete it");
    await tx.db.delete(reviews).where(eq(reviews.id, review.id));
    await adjustRating(tx.db, review.agentId, -review.rating, -1);
  });
  await invalidateCounters(ctx.ports);
}

/** One vote per user per review: a repeat, or a vote on one's own review, changes nothing. */
export async function markReviewHelpful(ctx: AuthedContext, input: ReviewRef): Promise<void> {
  const review = await findReviewOrThrow(ctx.db, ctx.actor, input);
  if (review.user.id === ctx.actor.user.id) return;
  await withTransaction(ctx, async (tx) => {
    const [vote] = await tx.db
      .insert(reviewVotes)
      .values({ reviewId: review.id, userId: ctx.actor.user.id })
      .onConflictDoNothing()
      .returning({ reviewId: reviewVotes.reviewId });
    if (!vote) return;
    await tx.db
      .update(reviews)
      .set({ helpfulCount: sql`${reviews.helpfulCount} + 1`, updatedAt: sql`${reviews.updatedAt}` })
      .where(eq(reviews.id, review.id));
  }).catch((error: unknown) => {
    if (isForeignKeyViolation(error)) throw reviewNotFound(input.id);
    throw error;
  });
}

/** A rating change is a counter change: relative, in the caller's transaction, never read-modify-write. */
async function adjustRating(db: Executor, agentId: number, ratingDelta: number, countDelta: number): Promise<void> {
  await db
    .update(agents)
    .set({
      ratingSum: sql`${agents.ratingSum} + ${ratingDelta}`,
      reviewCount: sql`${agents.reviewCount} + ${countDelta}`,
      updatedAt: sql`${agents.updatedAt}`,
    })
    .where(eq(agents.id, agentId));
}

/** The review row, locked, when its agent is visible to the actor (and is the agent named, on nested routes). */
async function lockVisibleReview(db: Executor, actor: Actor, ref: ReviewRef) {
  const [row] = await db
    .select({ id: reviews.id, agentId: reviews.agentId, userId: reviews.userId, rating: reviews.rating })
    .from(reviews)
    .innerJoin(agents, eq(agents.id, reviews.agentId))
    .where(and(eq(reviews.id, ref.id), visibleTo(actor), ref.slug === undefined ? undefined : eq(agents.slug, ref.slug)))
    .for("update", { of: reviews });
  if (!row) throw reviewNotFound(ref.id);
  return row;
}

async function findReviewOrThrow(db: Executor, actor: Actor, ref: ReviewRef): Promise<Review> {
  const [row] = await selectReviews(db).where(and(eq(reviews.id, ref.id), visibleTo(actor), ref.slug === undefined ? undefined : eq(agents.slug, ref.slug)));
  if (!row) throw reviewNotFound(ref.id);
  return toReview(row);
}

function reviewNotFound(id: number): NotFound {
  return new NotFound(`Review ${id} not found`);
}
