import { searchAgentPage, searchAgentsInput, searchInput, searchResult, suggestionsInput, suggestions as suggestionsShape } from "../src/contract/search.ts";
import * as search from "../src/services/search/search.ts";
import * as suggestions from "../src/services/search/suggestions.ts";
import { publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["search"];
const visibility = "Private agents appear only to their author and admins.";

export const searchRouter = router({
  all: publicProcedure
    .meta({ openapi: { method: "GET", path: "/search", tags, summary: "Search agents and users", description: visibility } })
    .input(searchInput)
    .output(searchResult)
    .query(({ ctx, input }) => search.searchEverything(svc(ctx), input)),

  agents: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/search/agents",
        tags,
        summary: "Search agents (full text, prefixes, typos) with filters and sorts",
        description: visibility,
      },
    })
    .input(searchAgentsInput)
    .output(searchAgentPage)
    .query(({ ctx, input }) => search.searchAgents(svc(ctx), input)),

  suggestions: publicProcedure
    .meta({ openapi: { method: "GET", path: "/search/suggestions", tags, summary: "Agent names that complete a query", description: visibility } })
    .input(suggestionsInput)
    .output(suggestionsShape)
    .query(({ ctx, input }) => suggestions.suggestNames(svc(ctx), input)),
});
