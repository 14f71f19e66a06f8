import { z } from "zod";
import { agentSlugInput } from "../src/contract/common.ts";
import * as stars from "../src/services/stars.ts";
import { authedProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["agents"];

export const starsRouter = router({
  star: authedProcedure
    .meta({
      errors: [409],
      openapi: { method: "POST", path: "/agents/{slug}/star", tags, summary: "Star an agent", description: "409 when already starred.", protect: true },
      status: 204,
    })
    .input(agentSlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => stars.starAgent(svc(ctx), input)),

  unstar: authedProcedure
    .meta({
      openapi: { method: "DELETE", path: "/agents/{slug}/star", tags, summary: "Remove a star", description: "404 when not starred.", protect: true },
      status: 204,
    })
    .input(agentSlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => stars.unstarAgent(svc(ctx), input)),
});
