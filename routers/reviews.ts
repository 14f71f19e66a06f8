import { z } from "zod";
import {
  agentReviewIdInput,
  agentReviewPage,
  createReviewInput,
  listReviewsInput,
  review,
  reviewIdInput,
  updateAgentReviewInput,
  updateReviewInput,
} from "../src/contract/reviews.ts";
import * as reviews from "../src/services/reviews.ts";
import { authedProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["reviews"];
const nested = "Same as the flat route; the review must belong to this agent.";

// Every write route exists flat (/reviews/{id}) and nested under its agent, as the clients call both.
export const reviewsRouter = router({
  list: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/reviews",
        tags,
        summary: "List an agent's reviews",
        description: "Sorted by helpful votes (default), recency or rating; `average_rating` is the agent's exact mean.",
      },
    })
    .input(listReviewsInput)
    .output(agentReviewPage)
    .query(({ ctx, input }) => reviews.listAgentReviews(svc(ctx), input)),

  create: authedProcedure
    .meta({
      errors: [409],
      openapi: {
        method: "POST",
        path: "/agents/{slug}/reviews",
        tags,
        summary: "Review an agent",
        description: "One review per user and agent (409 for a second). Authors cannot review their own agent (403).",
        protect: true,
      },
      status: 201,
    })
    .input(createReviewInput)
    .output(review)
    .mutation(({ ctx, input }) => reviews.createReview(svc(ctx), input)),

  update: authedProcedure
    .meta({ openapi: { method: "PUT", path: "/reviews/{id}", tags, summary: "Change your review", description: "The review's author only.", protect: true } })
    .input(updateReviewInput)
    .output(review)
    .mutation(({ ctx, input }) => reviews.updateReview(svc(ctx), input)),

  updateForAgent: authedProcedure
    .meta({ openapi: { method: "PUT", path: "/agents/{slug}/reviews/{id}", tags, summary: "Change your review", description: nested, protect: true } })
    .input(updateAgentReviewInput)
    .output(review)
    .mutation(({ ctx, input }) => reviews.updateReview(svc(ctx), input)),

  delete: authedProcedure
    .meta({
      openapi: { method: "DELETE", path: "/reviews/{id}", tags, summary: "Delete a review", description: "The review's author or an admin.", protect: true },
      status: 204,
    })
    .input(reviewIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => reviews.deleteReview(svc(ctx), input)),

  deleteForAgent: authedProcedure
    .meta({
      openapi: { method: "DELETE", path: "/agents/{slug}/reviews/{id}", tags, summary: "Delete a review", description: nested, protect: true },
      status: 204,
    })
    .input(agentReviewIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => reviews.deleteReview(svc(ctx), input)),

  helpful: authedProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/reviews/{id}/helpful",
        tags,
        summary: "Mark a review helpful",
        description: "One vote per user; a repeat or a vote on your own review changes nothing.",
        protect: true,
      },
      status: 204,
    })
    .input(reviewIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => reviews.markReviewHelpful(svc(ctx), input)),

  helpfulForAgent: authedProcedure
    .meta({
      openapi: { method: "POST", path: "/agents/{slug}/reviews/{id}/helpful", tags, summary: "Mark a review helpful", description: nested, protect: true },
      status: 204,
    })
    .input(agentReviewIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => reviews.markReviewHelpful(svc(ctx), input)),
});
