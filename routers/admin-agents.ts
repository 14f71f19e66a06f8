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
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/agents",
        tags,
        summary: "Every agent, private ones included, newest first",
        description: "Admins only. AdminAgent adds the storage key to the summary.",
        protect: true,
      },
    })
    .input(listAdminAgentsInput)
    .output(adminAgentList)
    .query(({ ctx, input }) => adminAgents.listAdminAgents(svc(ctx), input)),

  bulkCategory: adminProcedure
    .meta({
      errors: [404],
      openapi: {
        method: "POST",
        path: "/admin/agents/bulk-category",
        tags,
        summary: "Move agents to another category",
        description: "Admins only. The answer counts the agents moved; 404 when the category does not exist.",
        protect: true,
      },
    })
    .input(bulkCategoryInput)
    .output(bulkCategoryResult)
    .mutation(({ ctx, input }) => adminAgents.bulkMoveCategory(svc(ctx), input)),

  update: adminProcedure
    .meta({
      errors: [409],
      openapi: {
        method: "PUT",
        path: "/admin/agents/{slug}",
        tags,
        summary: "Update any agent, including its storage key",
        description: "Admins only. 409 when a storage key is set on an agent that has no version.",
        protect: true,
      },
    })
    .input(adminUpdateAgentInput)
    .output(adminAgent)
    .mutation(({ ctx, input }) => adminAgents.adminUpdateAgent(svc(ctx), input)),

  delete: adminProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/admin/agents/{slug}",
        tags,
        summary: "Delete any agent",
        description: "Admins only. Its stored archives are removed by a background job.",
        protect: true,
      },
      status: 204,
    })
    .input(agentSlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => adminAgents.adminDeleteAgent(svc(ctx), input)),

  revalidate: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/admin/agents/{slug}/revalidate",
        tags,
        summary: "Validate a version again",
        description: "Admins only. Queues validation of `version` (default: the current one) and answers at once.",
        protect: true,
      },
      status: 202,
    })
    .input(revalidateInput)
    .output(revalidateAccepted)
    .mutation(({ ctx, input }) => adminAgents.revalidateAgent(svc(ctx), input)),
});
