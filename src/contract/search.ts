import { z } from "zod";
import { agentPage, agentSummary } from "./agents.ts";
import { paginationInput, userSummary } from "./common.ts";
import { text } from "./text.ts";

const MAX_QUERY_CHARS = 200;

/**
 * Matches a search always counts exactly. Beyond, the first pages' `total` of a common word is an
 * estimate: counting every match of a word in a third of 100,000 agents took ~100 ms
 * (src/services/search/ranking.ts).
 */
export const SEARCH_TOTAL_EXACT_UP_TO = 500;

const estimatedTotal = `Exact up to ${SEARCH_TOTAL_EXACT_UP_TO} matches, on any page that reaches past the ${SEARCH_TOTAL_EXACT_UP_TO}th result, and for any word that is not common. For a word in a tenth of the catalog or more, on the first pages, an estimate from a random sample of the catalog (within a few percent; two answers may differ), always above ${SEARCH_TOTAL_EXACT_UP_TO}`;

/** Counted in characters (code points), so 200 emoji are as welcome as 200 letters. */
const queryText = text().refine((s) => [...s].length <= MAX_QUERY_CHARS, `At most ${MAX_QUERY_CHARS} characters`);

const requiredQuery = text()
  .min(1)
  .refine((s) => [...s].length <= MAX_QUERY_CHARS, `At most ${MAX_QUERY_CHARS} characters`)
  .describe("1..200 characters; `%` and `_` are literal");

const searchSort = z.enum(["relevance", "downloads", "stars", "rating", "created_at"]);

export const searchAgentsInput = paginationInput.extend({
  q: queryText
    .optional()
    .describe(
      "Up to 200 characters; empty browses. Matches names above descriptions, the last word as a prefix while typing (no trailing space), and tolerates typos. `%` and `_` are literal.",
    ),
  category: text().trim().min(1).max(100).optional().describe('Category slug; "uncategorized" for agents without one'),
  min_rating: z.coerce.number().min(0).max(5).optional().describe("Only agents rated at least this (0..5)"),
  sort: searchSort
    .default("relevance")
    .describe("relevance (text match, then popularity; popularity alone when q is empty), or downloads, stars, rating, created_at (highest/newest first)"),
});

export const searchInput = z.object({
  q: requiredQuery,
  type: z.enum(["agents", "users"]).optional().describe("Only this kind of result; both when omitted"),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("At most this many of each kind, 1..100"),
});

export const searchResult = z
  .object({
    agents: z.array(agentSummary).describe("Best match first"),
    users: z.array(userSummary).describe("Best match first"),
    total: z
      .number()
      .int()
      .nonnegative()
      .describe(`Agents and users that match, beyond \`limit\` too. The agents' part: ${estimatedTotal.charAt(0).toLowerCase()}${estimatedTotal.slice(1)}`),
  })
  .meta({ id: "SearchResult" });

/** A page of agent search results; `has_more` is always exact, `total` may be an estimate. */
export const searchAgentPage = agentPage.extend({
  total: z.number().int().nonnegative().describe(`Agents that match. ${estimatedTotal}; \`has_more\` is always exact.`),
});

export const suggestionsInput = z.object({ q: requiredQuery });

export const suggestions = z
  .object({
    suggestions: z
      .array(z.string())
      .describe("At most 10 agent names: names starting with q first, then names with a word starting with q, then similar names"),
  })
  .meta({ id: "SearchSuggestions" });

export type SearchSort = z.infer<typeof searchSort>;
export type SearchAgentsInput = z.infer<typeof searchAgentsInput>;
export type SearchInput = z.infer<typeof searchInput>;
export type SearchResult = z.infer<typeof searchResult>;
export type Suggestions = z.infer<typeof suggestions>;
