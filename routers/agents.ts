import { z } from "zod";
import { agentAnalytics, agentStats as agentStatsShape } from "../src/contract/agent-stats.ts";
import { agentDetail, agentPage, categoryAgentsInput, listAgentsInput, updateAgentInput } from "../src/contract/agents.ts";
import { agentSlugInput } from "../src/contract/common.ts";
import * as agents from "../src/services/agents/agents.ts";
import * as agentStats from "../src/services/agents/stats.ts";
import { authedProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["agents"];
const manage = "Author or admin. A private agent is 404 for everyone else.";

// Publishing (multipart POST /agents, PUT /agents/{slug}, POST /agents/{slug}/versions) and
// downloads are REST-only routes on Elysia: src/http/agent-uploads.ts and src/http/downloads.ts.
export const agentsRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: "GET", path: "/agents", tags, summary: "List agents", description: "Private agents appear only to their author and admins." } })
    .input(listAgentsInput)
    .output(agentPage)
    .query(({ ctx, input }) => agents.listAgents(svc(ctx), input)),

  listByCategory: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/categories/{slug}/agents",
        tags: ["categories"],
        summary: "List the agents of a category",
        description: "Sorted like `GET /agents`; private agents appear only to their author and admins. 404 for an unknown category.",
      },
    })
    .input(categoryAgentsInput)
    .output(agentPage)
    .query(({ ctx, input }) => agents.listCategoryAgents(svc(ctx), input)),

  get: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}",
        tags,
        summary: "Get an agent with its versions, newest semver first",
        description: "Private agents are found only by their author and admins; everyone else gets 404.",
      },
    })
    .input(agentSlugInput)
    .output(agentDetail)
    .query(({ ctx, input }) => agents.getAgent(svc(ctx), input)),

  update: authedProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/agents/{slug}",
        tags,
        summary: "Update an agent (JSON)",
        description: `${manage} A multipart body publishes a new version instead (see the multipart request body).`,
        protect: true,
      },
    })
    .input(updateAgentInput)
    .output(agentDetail)
    .mutation(({ ctx, input }) => agents.updateAgent(svc(ctx), input)),

  patch: authedProcedure
    .meta({ openapi: { method: "PATCH", path: "/agents/{slug}", tags, summary: "Update some fields of an agent", description: manage, protect: true } })
    .input(updateAgentInput)
    .output(agentDetail)
    .mutation(({ ctx, input }) => agents.updateAgent(svc(ctx), input)),

  delete: authedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/agents/{slug}",
        tags,
        summary: "Delete an agent",
        description: `${manage} Its stored archives are removed by a background job.`,
        protect: true,
      },
      status: 204,
    })
    .input(agentSlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => agents.deleteAgent(svc(ctx), input)),

  stats: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/stats",
        tags,
        summary: "Download, star and review numbers of an agent (30 daily points)",
        description: "Totals, the last 30 days with 30 zero-filled daily download points, and the reviews' count and mean rating.",
      },
    })
    .input(agentSlugInput)
    .output(agentStatsShape)
    .query(({ ctx, input }) => agentStats.getAgentStats(svc(ctx), input)),

  analytics: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/agents/{slug}/analytics",
        tags,
        summary: "Totals and 30 days of downloads of an agent",
        description: "The earlier API's shape: totals and daily downloads stamped at midnight UTC (RFC 3339).",
      },
    })
    .input(agentSlugInput)
    .output(agentAnalytics)
    .query(({ ctx, input }) => agentStats.getAgentAnalytics(svc(ctx), input)),
});
