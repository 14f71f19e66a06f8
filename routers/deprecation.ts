import { agentDetail } from "../src/contract/agents.ts";
import { agentSlugInput } from "../src/contract/common.ts";
import { deprecateInput } from "../src/contract/lifecycle.ts";
import * as deprecation from "../src/services/agents/deprecation.ts";
import { authedProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["agents"];

export const deprecationRouter = router({
  set: authedProcedure
    .meta({
      openapi: {
        method: "PUT",
        path: "/agents/{slug}/deprecation",
        tags,
        summary: "Deprecate an agent",
        description:
          "Author or admin. Detail, list and search answers carry `deprecated: {message, replacement, deprecated_at}`; search ranks the agent after others of similar relevance. It stays installable. `replacement` must name an agent you can see (422 otherwise). Deprecating again replaces the message.",
        protect: true,
      },
    })
    .input(deprecateInput)
    .output(agentDetail)
    .mutation(({ ctx, input }) => deprecation.deprecateAgent(svc(ctx), input)),

  clear: authedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/agents/{slug}/deprecation",
        tags,
        summary: "Undo a deprecation",
        description: "Author or admin; `deprecated` becomes null.",
        protect: true,
      },
    })
    .input(agentSlugInput)
    .output(agentDetail)
    .mutation(({ ctx, input }) => deprecation.undeprecateAgent(svc(ctx), input)),
});
