import { z } from "zod";

const count = z.number().int().nonnegative();

export const agentStats = z
  .object({
    downloads: z.object({
      total: count,
      last_30_days: count,
      daily: z.array(z.object({ date: z.string().describe("YYYY-MM-DD (UTC)"), count })).describe("30 days, oldest first, zero-filled"),
    }),
    stars: z.object({ total: count, last_30_days: count.describe("Stars held now that were given in the last 30 days") }),
    reviews: z.object({ count, average_rating: z.number() }),
  })
  .meta({ id: "AgentStats" });

export const agentAnalytics = z
  .object({
    agent_id: count,
    agent_slug: z.string(),
    total_downloads: count,
    total_stars: count,
    average_rating: z.number(),
    review_count: count,
    daily_downloads: z
      .array(z.object({ date: z.string().describe("RFC 3339, midnight UTC"), downloads: count }))
      .describe("30 days, oldest first, zero-filled"),
  })
  .meta({ id: "AgentAnalytics" });

export type AgentStats = z.infer<typeof agentStats>;
export type AgentAnalytics = z.infer<typeof agentAnalytics>;
