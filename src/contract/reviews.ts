import { z } from "zod";
import { agentSlugInput, page, paginationInput, timestamp, userSummary } from "./common.ts";
import { exampleReview } from "./examples.ts";
import { text } from "./text.ts";

export const review = z
  .object({
    id: z.number().int().nonnegative(),
    agent_id: z.number().int().nonnegative(),
    agent_slug: z.string(),
    agent_name: z.string(),
    user: userSummary,
    rating: z.number().int().min(1).max(5),
    comment: z.string().nullable(),
    helpful_count: z.number().int().nonnegative(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Review", examples: [exampleReview] });

export const reviewPage = page(review);

export const agentReviewPage = page(review).extend({
  average_rating: z.number().describe("The agent's rating: exact mean of its reviews, 2 decimals"),
});

export const listReviewsInput = agentSlugInput.extend(paginationInput.shape).extend({
  sort: z.enum(["helpful", "recent", "rating"]).default("helpful").describe("helpful: most helpful votes first; recent: newest first; rating: highest first"),
});

const rating = z.number().int().min(1).max(5).describe("1..5");
const comment = text().max(5000);

export const createReviewInput = agentSlugInput.extend({
  rating,
  comment: comment.nullish(),
});

export const reviewIdInput = z.object({ id: z.coerce.number().int().positive().describe("Review id") });

export const agentReviewIdInput = agentSlugInput.extend(reviewIdInput.shape);

const reviewChanges = { rating: rating.optional(), comment: comment.nullish() };

export const updateReviewInput = reviewIdInput.extend(reviewChanges);

export const updateAgentReviewInput = agentReviewIdInput.extend(reviewChanges);

export type Review = z.infer<typeof review>;
export type ReviewPage = z.infer<typeof reviewPage>;
export type AgentReviewPage = z.infer<typeof agentReviewPage>;
export type ListReviewsInput = z.infer<typeof listReviewsInput>;
export type CreateReviewInput = z.infer<typeof createReviewInput>;
/** A review addressed by id, optionally under the agent it must belong to (the nested routes). */
export type ReviewRef = { id: number; slug?: string };
export type UpdateReviewInput = ReviewRef & { rating?: number; comment?: string | null };
