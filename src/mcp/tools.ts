import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  agentDetailTool,
  agentSlugTool,
  categoriesTool,
  installInstructions,
  installTool,
  searchAgentsTool,
  trendingInput,
  trendingTool,
} from "../contract/mcp.ts";
import { searchAgentPage, searchAgentsInput } from "../contract/search.ts";
import { getAgentOverview } from "../services/agents/overview.ts";
import { listCategories } from "../services/categories.ts";
import { getInstallInstructions } from "../services/downloads/install.ts";
import { getTrending } from "../services/search/discovery.ts";
import { searchAgents } from "../services/search/search.ts";
import { type McpRequestScope, toolAnswer } from "./calls.ts";
import { renderAgent, renderCategories, renderInstall, renderSearch, renderTrending } from "./render.ts";

/** Reads of the catalog: nothing changes, asking twice answers the same, and only our catalog is reached. */
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const visibility = "Private agents appear only to their author (when the request carries the author's token).";

/** The five tools; each calls the service its REST route calls, as the request's caller. */
export function registerTools(server: McpServer, scope: McpRequestScope): void {
  const { ctx } = scope;

  server.registerTool(
    "search_agents",
    {
      title: "Search agents",
      description: `Find AI agents in the marketplace by what they do, e.g. "review pull requests" or "summarize PDFs". Full-text search over names and descriptions that tolerates typos; ranked by relevance then popularity (the same ranking as the REST search). Filter by category slug (see list_categories) or to validated agents only. Returns one page of agent summaries with slug, current version, validation status, downloads, stars and rating; pass a slug to get_agent for details or to get_install_instructions to install. ${visibility}`,
      inputSchema: searchAgentsTool,
      outputSchema: searchAgentPage,
      annotations: readOnly,
    },
    (args) =>
      toolAnswer(
        scope,
        "search_agents",
        () =>
          searchAgents(ctx, {
            // Parsed as REST parses its query, so both surfaces share cached answers.
            ...searchAgentsInput.parse({ q: args.query, category: args.category, sort: args.sort, limit: args.limit, offset: args.offset }),
            ...(args.validated_only ? { validated: true } : {}),
          }),
        renderSearch,
      ),
  );

  server.registerTool(
    "get_agent",
    {
      title: "Get an agent",
      description: `Everything about one agent by its slug: name, description, author, category, numbers, every version (newest first) with its size, SHA-256 and validation status, the current version's validation checks in brief (with the most severe issues), and its README. Use it to judge whether an agent fits before installing. ${visibility}`,
      inputSchema: agentSlugTool,
      outputSchema: agentDetailTool,
      annotations: readOnly,
    },
    (args) => toolAnswer(scope, "get_agent", () => getAgentOverview(ctx, args), renderAgent),
  );

  server.registerTool(
    "list_categories",
    {
      title: "List categories",
      description:
        "Every category of the marketplace (slug, name, description) with its number of public agents. Use a slug as the category filter of search_agents.",
      inputSchema: {},
      outputSchema: categoriesTool,
      annotations: readOnly,
    },
    () => toolAnswer(scope, "list_categories", async () => ({ categories: (await listCategories(ctx)).categories }), renderCategories),
  );

  server.registerTool(
    "trending_agents",
    {
      title: "Trending agents",
      description:
        "Public agents rising fastest in downloads and stars over a period (hour, day, week or month) against the period before, with a 0..1 trend score and the change in downloads.",
      inputSchema: trendingInput,
      outputSchema: trendingTool,
      annotations: readOnly,
    },
    (args) =>
      toolAnswer(
        scope,
        "trending_agents",
        () => getTrending(ctx, { timeframe: args.period, limit: args.limit }),
        (value) => renderTrending(value, args.period),
      ),
  );

  server.registerTool(
    "get_install_instructions",
    {
      title: "How to install an agent",
      description: `How to install a version of an agent (default: its current version): the CLI command (npx agent-marketplace install), the TypeScript SDK call (client.install) and a signed download URL that expires, with the archive's SHA-256 and size to verify it. Handing out the URL counts as a download, as on the REST API. Quarantined versions (failed the security check) are refused to everyone but their author. ${visibility}`,
      inputSchema: installTool,
      outputSchema: installInstructions,
      // Records a download (a counter), changes nothing else.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) => toolAnswer(scope, "get_install_instructions", () => getInstallInstructions(ctx, args), renderInstall),
  );
}
