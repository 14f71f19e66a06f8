import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, primaryKey, smallint, unique, varchar } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./_columns.ts";
import { agents } from "./agents.ts";
import { users } from "./users.ts";

/**
 * One review per user per agent. Writing one also changes agents.rating_sum / review_count in
 * the same transaction. Lists order by `<key> DESC, id DESC`.
 */
export const reviews = pgTable(
  "reviews",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    rating: smallint("rating").notNull(),
    comment: varchar("comment", { length: 5000 }),
    helpfulCount: integer("helpful_count").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("reviews_agent_id_user_id_unique").on(t.agentId, t.userId),
    index("reviews_agent_id_helpful_idx").on(t.agentId, t.helpfulCount, t.id),
    index("reviews_agent_id_created_at_idx").on(t.agentId, t.createdAt, t.id),
    index("reviews_agent_id_rating_idx").on(t.agentId, t.rating, t.id),
    index("reviews_user_id_created_at_idx").on(t.userId, t.createdAt),
    check("reviews_rating_range", sql`${t.rating} between 1 and 5`),
    check("reviews_helpful_count_nonnegative", sql`${t.helpfulCount} >= 0`),
  ],
);

/** One helpful vote per user per review; reviews.helpful_count is its count. */
export const reviewVotes = pgTable(
  "review_votes",
  {
    reviewId: integer("review_id")
      .notNull()
      .references(() => reviews.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ name: "review_votes_pkey", columns: [t.reviewId, t.userId] }), index("review_votes_user_id_idx").on(t.userId)],
);

export type Review = typeof reviews.$inferSelect;
export type NewReview = typeof reviews.$inferInsert;
export type ReviewVote = typeof reviewVotes.$inferSelect;
export type NewReviewVote = typeof reviewVotes.$inferInsert;
