import { type SQL, sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { SearchSort } from "../../contract/search.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { MatchQueries } from "./query.ts";
import { escapeLike, type SearchText } from "./text.ts";

/** SQL pieces shared by the rankings (ranking.ts, relaxed-ranking.ts). */

export interface Ranked {
  ids: number[];
  total: number;
}

/** The share of the catalog from which a word counts as common (see rankCandidates). */
export const COMMON_SHARE = 0.1;

/** The orders of the catalog's lists (agentOrder), on the candidate set. */
export const ORDER: Record<SearchSort, SQL> = {
  relevance: sql.raw("relevance desc, downloads desc, stars desc, id desc"),
  downloads: sql.raw("downloads desc, stars desc, id desc"),
  stars: sql.raw("stars desc, id desc"),
  rating: sql.raw("rating desc, id desc"),
  created_at: sql.raw("created_at desc, id desc"),
};

/** `filters and condition`; the condition alone when there are no filters. */
export function matching(filters: SQL | undefined, condition: SQL): SQL {
  return filters ? sql`${filters} and ${condition}` : condition;
}

/**
 * The page a ranking statement returned; every row carries the total. Past the last page there
 * is no row to carry it, so the agents meeting `where` are counted.
 */
export async function pageOrCount(db: Executor, rows: { id: number; total: number }[], offset: number, where: SQL): Promise<Ranked> {
  if (rows.length > 0 || offset === 0) return { ids: rows.map((row) => Number(row.id)), total: Number(rows[0]?.total ?? 0) };
  const counted = await db.execute<{ n: number }>(sql`select count(*) as n from ${agents} where ${where}`);
  return { ids: [], total: Number(counted.rows[0]?.n ?? 0) };
}

/** What a random sample of the catalog says about some search conditions. */
export interface Sampled {
  /** Per condition, the share of the sampled agents that meet it. */
  shares: number[];
  /** Agents sampled (a share below 1/seen reads as 0). */
  seen: number;
  /** The table's size as last analysed. */
  rows: number;
}

/**
 * The share of agents that meet each condition in a random sample of the table's blocks
 * (TABLESAMPLE SYSTEM, ~`sampleRows` rows). Null for a small or never analysed table (under 10
 * samples' worth of rows): reading all its matches is quick. The sample is random, so two
 * estimates of one search differ (by a few percent for a common word).
 */
export async function sampleShares(db: Executor, conditions: SQL[], sampleRows: number): Promise<Sampled | null> {
  const size = await db.execute<{ n: number }>(sql`select reltuples::float8 as n from pg_class where oid = 'agents'::regclass`);
  const rows = Number(size.rows[0]?.n ?? -1);
  if (rows < sampleRows * 10) return null;
  const percent = sql.raw(String((100 * sampleRows) / rows));
  const counts = conditions.map((condition, i) => sql`count(*) filter (where ${condition}) as ${sql.raw(`h${i}`)}, `);
  const sample = await db.execute<Record<string, number>>(
    sql`select ${sql.join(counts, sql``)}count(*) as seen from ${agents} tablesample system (${percent})`,
  );
  const row = sample.rows[0] ?? {};
  const seen = Number(row.seen ?? 0);
  return { shares: conditions.map((_, i) => (seen > 0 ? Number(row[`h${i}`] ?? 0) / seen : 0)), seen, rows };
}

/**
 * Runs a search statement with random_page_cost = 1.1 (the usual value for SSDs or data in
 * memory) and without sequential scans. With PostgreSQL's default of 4, a word in a few percent
 * of the agents is read by a sequential scan of the whole table instead of the GIN index (54 ms
 * against 9 ms at 100,000 agents); and the planner overrates prefix queries (a typo's 'spreadsh':*
 * estimated at 25,071 matches, found 9,167: a sequential scan, 195 ms, where the index takes a
 * fraction). Every search statement reads matches through an index by design (rare words by the
 * GIN index, common ones by walking the popularity index). The settings are local to this
 * transaction; the rest of the application plans as configured.
 */
export async function withIndexFriendlyCosts<T>(db: Executor, run: (tx: Executor) => Promise<T>): Promise<T> {
  if ("rollback" in db) return run(db);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('random_page_cost', '1.1', true), set_config('enable_seqscan', 'off', true)`);
    return run(tx);
  });
}

export function nameContains(search: SearchText): SQL {
  return sql`lower(${agents.name}) like ('%' || lower(${escapeLike(search.text)}) || '%')`;
}

export function relevanceOf(search: SearchText, queries: MatchQueries): SQL {
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
