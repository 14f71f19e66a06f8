import { type SQL, sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { SearchSort } from "../../contract/search.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { MatchQueries } from "./query.ts";
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
 * for most rows: common words make tens of thousands of candidates); the total comes from the
 * same set.
 */

export interface Ranked {
  ids: number[];
  total: number;
}

/** The orders of the catalog's lists (agentOrder), on the candidate set. */
const ORDER: Record<SearchSort, SQL> = {
  relevance: sql.raw("relevance desc, downloads desc, stars desc, id desc"),
  downloads: sql.raw("downloads desc, stars desc, id desc"),
  stars: sql.raw("stars desc, id desc"),
  rating: sql.raw("rating desc, id desc"),
  created_at: sql.raw("created_at desc, id desc"),
};

/**
 * How many candidates a search ranks in full: the most popular matches and the agents whose name
 * contains the text, up to this many each. A word that matches tens of thousands of agents then
 * costs a bounded ranking (and an index-only count), not a ts_rank of every match. Beyond it,
 * an unpopular match whose name does not contain the text can rank a little lower than it would
 * in a full ranking: its words matched as well as the pool's, only its ts_rank could be higher.
 */
const RANKED_POOL = 1000;

export async function rankCandidates(
  db: Executor,
  filters: SQL | undefined,
  search: SearchText,
  queries: MatchQueries,
  match: { query: string; relaxed: boolean },
  page: { limit: number; offset: number; sort: SearchSort },
  pool = RANKED_POOL,
): Promise<Ranked> {
  // The relaxed queries' rarity weights need every candidate; deep pages leave the pool.
  if (match.relaxed || !search.hasWords || page.offset + page.limit > pool) return rankAll(db, filters, search, queries, match, page);
  const where = sql`${filters ? sql`${filters} and ` : sql``}${agents.searchVector} @@ ${match.query}::tsquery`;
  // One pass over the matches (the GIN index) gives the count and the pool; only the pool is scored.
  const order =
    page.sort === "relevance"
      ? sql`
          pool as (
            (select id from matched order by downloads desc, stars desc, id desc limit ${pool})
            union
            (select id from matched where named limit ${pool})
          ),
          ranked as (
            select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${relevanceOf(search, queries)} as relevance
            from ${agents} join pool on pool.id = ${agents.id}
          )`
      : sql`ranked as (select * from matched)`;
  const statement = sql`
    with matched as materialized (
      select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${agents.rating} as rating,
             ${agents.createdAt} as created_at, ${nameContains(search)} as named
      from ${agents} where ${where}
    ),
    ${order}
    select id, (select count(*) from matched) as total from ranked order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`;
  const rows = await withIndexFriendlyCosts(db, (tx) => tx.execute<{ id: number; total: number }>(statement));
  if (rows.rows.length > 0 || page.offset === 0) return { ids: rows.rows.map((row) => Number(row.id)), total: Number(rows.rows[0]?.total ?? 0) };
  const counted = await db.execute<{ n: number }>(sql`select count(*) as n from ${agents} where ${where}`);
  return { ids: [], total: Number(counted.rows[0]?.n ?? 0) };
}

/**
 * Runs a search statement with random_page_cost = 1.1 (the usual value for SSDs or data in
 * memory): with PostgreSQL's default of 4, a word in a few percent of the agents is read by a
 * sequential scan of the whole table instead of the GIN index (54 ms against 9 ms at 100,000
 * agents). SET LOCAL keeps it to this transaction; the rest of the application plans as configured.
 */
async function withIndexFriendlyCosts<T>(db: Executor, run: (tx: Executor) => Promise<T>): Promise<T> {
  if ("rollback" in db) return run(db);
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local random_page_cost = 1.1`);
    return run(tx);
  });
}

function nameContains(search: SearchText): SQL {
  return sql`lower(${agents.name}) like ('%' || lower(${escapeLike(search.text)}) || '%')`;
}

function relevanceOf(search: SearchText, queries: MatchQueries): SQL {
  const vector = agents.searchVector;
  const name = sql`lower(${agents.name})`;
  const literal = escapeLike(search.text);
  return sql`(
    (case when ${nameContains(search)} then (case when ${name} = lower(${search.text}) then 5 when ${name} like (lower(${literal}) || '%') then 2 else 0.5 end) else 0 end)::float8
    + (${vector} @@ ${queries.all}::tsquery)::int::float8
    + ts_rank(${vector}, ${queries.exact}::tsquery)
    ${queries.fuzzy ? sql`+ 0.5::float8 * ts_rank(${vector}, ${queries.fuzzy}::tsquery)` : sql``}
    + 0.03::float8 * ln(1 + ${agents.downloads} + 10 * ${agents.stars})
    - (case when ${agents.deprecatedAt} is not null then 1.5 else 0 end)::float8
  )`;
}

/** Every candidate scored: relaxed queries (rarity weights), literal searches, deep pages. */
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
      where ${filters ? sql`${filters} and ` : sql``}${matches}
    ),
    scored as (
      select id, downloads, stars, rating, created_at, relevance ${sql.join(rarity, sql``)} as relevance
      from matched
    )
    select id, (select count(*) from matched) as total from scored order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`);
  const rows = result.rows.map((row) => ({ id: Number(row.id), total: Number(row.total) }));
  if (rows.length > 0 || page.offset === 0) return { ids: rows.map((r) => r.id), total: rows[0]?.total ?? 0 };
  // Past the last page there is no row to carry the count.
  const counted = await db.execute<{ n: number }>(sql`select count(*) as n from ${agents} where ${filters ? sql`${filters} and ` : sql``}${matches}`);
  return { ids: [], total: Number(counted.rows[0]?.n ?? 0) };
}
