import { z } from "zod";
import {
  adminAgent,
  adminAgentList,
  adminUpdateAgentInput,
  bulkCategoryInput,
  bulkCategoryResult,
  listAdminAgentsInput,
  revalidateAccepted,
  revalidateInput,
} from "../src/contract/admin-agents.ts";
import { agentSlugInput } from "../src/contract/common.ts";
import * as adminAgents from "../src/services/agents/admin.ts";
import { adminProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["admin"];

export const adminAgentsRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: "GET", path: "/admin/agents", tags, summary: "Every agent, private ones included, newest first", protect: true } })
    .input(listAdminAgentsInput)
    .output(adminAgentList)
    .query(({ ctx, input }) => adminAgents.listAdminAgents(svc(ctx), input)),

  bulkCategory: adminProcedure
    .meta({ openapi: { method: "POST", path: "/admin/agents/bulk-category", tags, summary: "Move agents to another category", protect: true } })
    .input(bulkCategoryInput)
    .output(bulkCategoryResult)
    .mutation(({ ctx, input }) => adminAgents.bulkMoveCategory(svc(ctx), input)),

  update: adminProcedure
    .meta({ openapi: { method: "PUT", path: "/admin/agents/{slug}", tags, summary: "Update any agent, including its storage key", protect: true } })
    .input(adminUpdateAgentInput)
    .output(adminAgent)
    .mutation(({ ctx, input }) => adminAgents.adminUpdateAgent(svc(ctx), input)),

  delete: adminProcedure
    .meta({ openapi: { method: "DELETE", path: "/admin/agents/{slug}", tags, summary: "Delete any agent", protect: true }, status: 204 })
    .input(agentSlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => adminAgents.adminDeleteAgent(svc(ctx), input)),

  revalidate: adminProcedure
    .meta({ openapi: { method: "POST", path: "/admin/agents/{slug}/revalidate", tags, summary: "Validate a version again", protect: true }, status: 202 })
    .input(revalidateInput)
    .output(revalidateAccepted)
    .mutation(({ ctx, input }) => adminAgents.revalidateAgent(svc(ctx), input)),
});
