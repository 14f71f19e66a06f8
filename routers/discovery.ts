import { z } from "zod";
import { analyticsTrending, limitInput, popular, siteStats as siteStatsShape, trending, trendingInput } from "../src/contract/discovery.ts";
import * as discovery from "../src/services/search/discovery.ts";
import * as siteStats from "../src/services/search/site-stats.ts";
import { publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["discovery"];
const publicOnly = "Public agents only, whoever asks.";

export const discoveryRouter = router({
  stats: publicProcedure
    .meta({ openapi: { method: "GET", path: "/stats", tags, summary: "The marketplace in numbers", description: publicOnly } })
    .input(z.void())
    .output(siteStatsShape)
    .query(({ ctx }) => siteStats.getSiteStats(svc(ctx))),

  trending: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/trending",
        tags,
        summary: "Agents rising in downloads and stars, this window against the previous one",
        description: publicOnly,
      },
    })
    .input(trendingInput)
    .output(trending)
    .query(({ ctx, input }) => discovery.getTrending(svc(ctx), input)),

  analyticsTrending: publicProcedure
    .meta({
      openapi: { method: "GET", path: "/analytics/trending", tags, summary: "This week's rising agents with their weekly numbers", description: publicOnly },
    })
    .input(limitInput)
    .output(analyticsTrending)
    .query(({ ctx, input }) => discovery.getAnalyticsTrending(svc(ctx), input)),

  popular: publicProcedure
    .meta({ openapi: { method: "GET", path: "/popular", tags, summary: "Validated agents by downloads, then stars", description: publicOnly } })
    .input(limitInput)
    .output(popular)
    .query(({ ctx, input }) => discovery.getPopular(svc(ctx), input)),
});
