import { type SQL, sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import { SEARCH_TOTAL_EXACT_UP_TO, type SearchSort } from "../../contract/search.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { MatchQueries } from "./query.ts";
import { COMMON_SHARE, matching, nameContains, ORDER, pageOrCount, type Ranked, relevanceOf, sampleShares, withIndexFriendlyCosts } from "./ranking-sql.ts";
import { rankRelaxed } from "./relaxed-ranking.ts";
import { escapeLike, type SearchText } from "./text.ts";

/**
 * Scores the candidates of a search and returns one page of ids, best first. Relevance:
 *
 *   5.0  name equals the query      2.0  name starts with it      0.5  name contains it
 *   1.0  every word matches         + ts_rank of the words as written (name A = 1.0, description B = 0.4)
 *   + 0.5 x ts_rank of their vocabulary words (typo corrections, completions of the word being typed)
 *   + 0.03 x ln(1 + downloads + 10 x stars): popularity, enough to order near-equal matches only
 *   - 1.5 when the agent is deprecated: after the others of similar relevance, still above far weaker matches
 *   + when not every word matched: for each word an agent matches, ln(candidates / candidates
 *     matching that word), so rare words count and boilerplate ("tool") hardly does
 *
 * then downloads, stars and id. Computed once per candidate (float8 arithmetic, lower(name) once
 * for most rows: common words make tens of thousands of candidates).
 */

/**
 * How many candidates a search ranks in full: the most popular matches and the agents whose name
 * contains the text, up to this many each; also how many matches are counted exactly. A word that
 * matches tens of thousands of agents then costs a bounded ranking and a bounded count, not a
 * ts_rank of every match (500 rather than 1,000: half the time at 100,000 agents). Beyond it,
 * an unpopular match whose name does not contain the text can rank a little lower than it would
 * in a full ranking: its words matched as well as the pool's, only its ts_rank could be higher.
 */
const RANKED_POOL = SEARCH_TOTAL_EXACT_UP_TO;

/** Rows sampled for an estimated total: a relative error of a few percent for a word in a third of the catalog. */
const ESTIMATE_SAMPLE_ROWS = 2000;

export async function rankCandidates(
  db: Executor,
  filters: SQL | undefined,
  search: SearchText,
  queries: MatchQueries,
  match: { query: string; relaxed: boolean },
  page: { limit: number; offset: number; sort: SearchSort },
  pool = RANKED_POOL,
  sampleRows = ESTIMATE_SAMPLE_ROWS,
): Promise<Ranked> {
  // Literal searches and deep pages (past the pool) score every candidate.
  if (!search.hasWords || page.offset + page.limit > pool) return rankAll(db, filters, search, queries, match, page);
  if (match.relaxed) return rankRelaxed(db, filters, search, queries, match.query, page, { pool, sampleRows });
  const where = matching(filters, sql`${agents.searchVector} @@ ${match.query}::tsquery`);
  // `total` is exact up to the pool's size, and beyond it for any word that is not common; for a
  // common word it is estimated (see the contract's searchAgentPage). A page that reaches past the
  // pool is ranked by rankAll, which counts every match: `has_more` is exact on every page.
  const sample = await sampleShares(db, [where], sampleRows);
  const sampled = sample && { share: sample.shares[0]!, estimate: Math.round(sample.shares[0]! * sample.rows) };
  if (sampled && sampled.share >= COMMON_SHARE) {
    // A common word: read in the page's order by walking that order's index (the most popular
    // matches come within a few thousand rows); the name matches through the name's trigram index;
    // a count that stops after pool + 1 matches. No pass over every match.
    const capped = sql`(select count(*) from (select 1 from ${agents} where ${where} limit ${pool + 1}) as capped)`;
    const matched = sql`matched as (select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${agents.rating} as rating, ${agents.createdAt} as created_at from ${agents} where ${where})`;
    const named = sql`select ${agents.id} as id from ${agents} where ${where} and ${nameContains(search)} limit ${pool}`;
    const rows = await withIndexFriendlyCosts(db, (tx) =>
      tx.execute<{ id: number; total: number }>(
        sql`with ${matched}${poolAndRanking(search, queries, page.sort, pool, named)} select id, ${capped} as total from ranked order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`,
      ),
    );
    const found = Number(rows.rows[0]?.total ?? 0);
    // A sample can overrate a word; with the pool's worth of matches or fewer, rank them as a rare word.
    if (found > pool) return { ids: rows.rows.map((row) => Number(row.id)), total: Math.max(pool + 1, sampled.estimate) };
  }
  // Anything rarer is read once through the GIN index: an index walk would pass most of the table
  // before finding the pool (a two-word query with 400 matches took 170 ms so, 8 ms this way).
  const matched = sql`matched as materialized (
      select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${agents.rating} as rating,
             ${agents.createdAt} as created_at, ${nameContains(search)} as named
      from ${agents} where ${where}
    )`;
  const named = sql`select id from matched where named limit ${pool}`;
  const statement = sql`with ${matched}${poolAndRanking(search, queries, page.sort, pool, named)} select id, (select count(*) from matched) as total from ranked order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`;
  const rows = await withIndexFriendlyCosts(db, (tx) => tx.execute<{ id: number; total: number }>(statement));
  return pageOrCount(db, rows.rows, page.offset, where);
}

/** After `matched`: the pool (most popular matches and name matches) scored, or the matches as they are for the column sorts. */
function poolAndRanking(search: SearchText, queries: MatchQueries, sort: SearchSort, pool: number, named: SQL): SQL {
  if (sort !== "relevance") return sql`, ranked as (select * from matched)`;
  return sql`,
    pool as (
      (select id from matched order by downloads desc, stars desc, id desc limit ${pool})
      union
      (${named})
    ),
    ranked as (
      select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${relevanceOf(search, queries)} as relevance
      from ${agents} join pool on pool.id = ${agents.id}
    )`;
}

/** Every candidate scored: literal searches and deep pages. */
async function rankAll(
  db: Executor,
  filters: SQL | undefined,
  search: SearchText,
  queries: MatchQueries,
  match: { query: string; relaxed: boolean },
  page: { limit: number; offset: number; sort: SearchSort },
): Promise<Ranked> {
  const vector = agents.searchVector;
  const matches = search.hasWords
    ? sql`${vector} @@ ${match.query}::tsquery`
    : sql`(${nameContains(search)} or lower(${agents.description}) like ('%' || lower(${escapeLike(search.text)}) || '%'))`;
  const relevance = relevanceOf(search, queries);
  const pieces = match.relaxed ? queries.pieces : [];
  const flags = pieces.map((piece, i) => sql`, (${vector} @@ ${piece}::tsquery)::int as ${sql.raw(`m${i}`)}`);
  const rarity = pieces.map((_, i) => sql.raw(` + m${i} * ln(count(*) over () / greatest(sum(m${i}) over (), 1)::float8)`));
  const result = await db.execute<{ id: number; total: number }>(sql`
    with matched as (
      select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${agents.rating} as rating,
             ${agents.createdAt} as created_at, ${relevance} as relevance ${sql.join(flags, sql``)}
      from ${agents}
      where ${matching(filters, matches)}
    ),
    scored as (
      select id, downloads, stars, rating, created_at, relevance ${sql.join(rarity, sql``)} as relevance
      from matched
    )
    select id, (select count(*) from matched) as total from scored order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`);
  return pageOrCount(db, result.rows, page.offset, matching(filters, matches));
}
