import { and, eq, gte, inArray } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { AgentPage, AgentSummary } from "../../contract/agents.ts";
import type { SearchAgentsInput, SearchInput, SearchResult } from "../../contract/search.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { Actor } from "../actor.ts";
import { inCategorySlug, pageOfAgents, selectAgentSummaries, toAgentSummary, visibleTo } from "../agents/queries.ts";
import { cachedRead, LIST_TTL_SECONDS } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";
import { toPage } from "../pagination.ts";
import { findUsers } from "../users/search.ts";
import { buildMatchQueries } from "./query.ts";
import { rankCandidates } from "./ranking.ts";
import { parseSearchText } from "./text.ts";

/**
 * Agent search (contract section 6). Candidates are the agents whose text matches every word of
 * the query (when that finds nothing: any two words of a longer query, then any word); queries
 * without letters or digits match names and descriptions as literal substrings. The GIN index on
 * search_vector finds them; search-ranking.ts orders them.
 */

/** `validated`: only agents with a version that passed validation (the MCP tool's filter; REST has none). */
type AgentSearch = SearchAgentsInput & { validated?: boolean };

export async function searchAgents(ctx: ServiceContext, input: AgentSearch): Promise<AgentPage> {
  return cachedRead(ctx, { name: "search.agents", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: true }, () => findAgents(ctx.db, ctx.actor, input));
}

/** GET /search: agents and users in one answer. */
export async function searchEverything(ctx: ServiceContext, input: SearchInput): Promise<SearchResult> {
  return cachedRead(ctx, { name: "search.all", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: true }, async () => {
    // Unlike /search/agents, blank text here is no request to browse.
    if (parseSearchText(input.q).text === "") return { agents: [], users: [], total: 0 };
    const window = { limit: input.limit, offset: 0 };
    const [found, people] = await Promise.all([
      input.type === "users" ? null : findAgents(ctx.db, ctx.actor, { ...window, q: input.q, sort: "relevance" }),
      input.type === "agents" ? null : findUsers(ctx.db, parseSearchText(input.q), input.limit),
    ]);
    return {
      agents: found?.items ?? [],
      users: people?.items ?? [],
      total: (found?.total ?? 0) + (people?.total ?? 0),
    };
  });
}

async function findAgents(db: Executor, actor: Actor, input: AgentSearch): Promise<AgentPage> {
  const filters = and(
    visibleTo(actor),
    input.validated ? eq(agents.isValidated, true) : undefined,
    input.category === undefined ? undefined : inCategorySlug(db, input.category),
    input.min_rating === undefined ? undefined : gte(agents.rating, input.min_rating),
  );
  const search = parseSearchText(input.q ?? "");
  if (search.text === "") return pageOfAgents(db, filters, { ...input, sort: input.sort === "relevance" ? "downloads" : input.sort });

  const queries = await buildMatchQueries(db, search);
  let ranked = await rankCandidates(db, filters, search, queries, { query: queries.all, relaxed: false }, input);
  for (const query of queries.relaxed) {
    if (ranked.total > 0) break;
    ranked = await rankCandidates(db, filters, search, queries, { query, relaxed: true }, input);
  }
  return toPage(await summariesInOrder(db, ranked.ids), ranked.total, input);
}

async function summariesInOrder(db: Executor, ids: number[]): Promise<AgentSummary[]> {
  if (ids.length === 0) return [];
  const rows = await selectAgentSummaries(db).where(inArray(agents.id, ids));
  const byId = new Map(rows.map((row) => [row.id, toAgentSummary(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
