import { z } from "zod";
import { agentSummary } from "./agents.ts";

export const TREND_TIMEFRAMES = ["hour", "day", "week", "month"] as const;
export type TrendTimeframe = (typeof TREND_TIMEFRAMES)[number];

const count = z.number().int().nonnegative();
const shortLimit = z.coerce.number().int().min(1).max(50).default(10).describe("1..50");
const trendScore = z.number().min(0).max(1).describe("0..1; 1 is the strongest riser of the answer");

export const siteStats = z
  .object({
    agents: z.object({
      total: count.describe("Public agents"),
      validated: count.describe("Public agents with a version that passed validation"),
      pending: count.describe("Public agents whose current version is pending or running validation"),
    }),
    users: z.object({ total: count, active_this_month: count.describe("Users seen in the last 30 days") }),
    downloads: z.object({
      total: count.describe("Downloads of public agents"),
      last_30_days: count.describe("Download events of public agents in the last 30 UTC days, today included"),
    }),
  })
  .meta({ id: "SiteStats" });

export const trendingInput = z.object({
  timeframe: z
    .enum(TREND_TIMEFRAMES)
    .default("week")
    .describe("The window (hour, day = 24 h, week = 7 days, month = 30 days) up to now, against the window before it"),
  limit: shortLimit,
});

const trendingAgent = z.object({
  agent: agentSummary,
  trend_score: trendScore,
  downloads_change: z.string().describe('Downloads of the window against the previous one, e.g. "+35%", "-20%"; "New" when the previous window had none'),
});

export const trending = z
  .object({ agents: z.array(trendingAgent).describe("Public agents with activity in the window, rising most first") })
  .meta({ id: "Trending" });

export const limitInput = z.object({ limit: shortLimit });

export const analyticsTrending = z
  .object({
    items: z.array(
      z.object({
        id: count,
        name: z.string(),
        slug: z.string(),
        description: z.string(),
        downloads_this_week: count.describe("Last 7 days"),
        stars_this_week: count.describe("Stars given minus stars taken back in the last 7 days"),
        trend_score: trendScore,
      }),
    ),
  })
  .meta({ id: "AnalyticsTrending" });

export const popular = z
  .object({
    items: z.array(agentSummary).describe("Validated public agents by downloads, then stars"),
    total: count.describe("Validated public agents"),
    limit: count,
  })
  .meta({ id: "Popular" });

export type SiteStats = z.infer<typeof siteStats>;
export type TrendingInput = z.infer<typeof trendingInput>;
export type Trending = z.infer<typeof trending>;
export type AnalyticsTrending = z.infer<typeof analyticsTrending>;
export type Popular = z.infer<typeof popular>;
