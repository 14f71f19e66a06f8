import { type SQL, sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { SearchSort } from "../../contract/search.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { MatchQueries } from "./query.ts";
import { COMMON_SHARE, matching, nameContains, ORDER, pageOrCount, type Ranked, relevanceOf, sampleShares, withIndexFriendlyCosts } from "./ranking-sql.ts";
import type { SearchText } from "./text.ts";

/**
 * A relaxed query: no agent has every word, so candidates have any two of them (or any one), and
 * each word an agent has adds its rarity, ln(candidates / candidates with that word), to the
 * relevance (see ranking.ts). Only a pool is scored: the most popular matches of each word, the
 * most popular overall and the name matches. Scoring every candidate (ts_rank, twice) took
 * 190 ms for a two-word query with 9,166 candidates at 100,000 agents.
 *
 * The rarity weights need counts: over a query that is common (a tenth of a large catalog or
 * more) they come from a random sample, and the pool is read by walking the popularity index
 * (no pass over the matches: a sequential scan of 15,000 of them took 200 ms); otherwise every
 * match is read once and counted. Column sorts order every match, unscored.
 */

type Page = { limit: number; offset: number; sort: SearchSort };

export async function rankRelaxed(
  db: Executor,
  filters: SQL | undefined,
  search: SearchText,
  queries: MatchQueries,
  query: string,
  page: Page,
  limits: { pool: number; sampleRows: number },
): Promise<Ranked> {
  const vector = agents.searchVector;
  const where = (tsquery: string) => matching(filters, sql`${vector} @@ ${tsquery}::tsquery`);
  if (page.sort === "relevance") {
    const sample = await sampleShares(db, [where(query), ...queries.pieces.map(where)], limits.sampleRows);
    if (sample && sample.shares[0]! >= COMMON_SHARE) {
      const ranked = await rankCommon(db, search, queries, where, query, page, limits.pool, sample.shares, sample.seen);
      if (ranked.total > limits.pool) return { ...ranked, total: Math.max(ranked.total, Math.round(sample.shares[0]! * sample.rows)) };
    }
  }
  return rankCounted(db, search, queries, where, query, page, limits.pool);
}

/** Every match read once: exact counts and rarity weights. */
async function rankCounted(
  db: Executor,
  search: SearchText,
  queries: MatchQueries,
  where: (tsquery: string) => SQL,
  query: string,
  page: Page,
  pool: number,
): Promise<Ranked> {
  const flag = (i: number) => sql.raw(`m${i}`);
  const flags = queries.pieces.map((piece, i) => sql`, (${agents.searchVector} @@ ${piece}::tsquery)::int as ${flag(i)}`);
  const sums = queries.pieces.map((_, i) => sql`, greatest(sum(${flag(i)}), 1)::float8 as ${sql.raw(`s${i}`)}`);
  const rarity = queries.pieces.map((_, i) => sql` + matched.${flag(i)} * ln(weights.n / weights.${sql.raw(`s${i}`)})`);
  const popular = sql`order by downloads desc, stars desc, id desc limit ${pool}`;
  const byWord = queries.pieces.map((_, i) => sql` union (select id from matched where ${flag(i)} = 1 ${popular})`);
  const ranked =
    page.sort === "relevance"
      ? sql`pool as ((select id from matched ${popular}) union (select id from matched where named limit ${pool})${sql.join(byWord, sql``)}),
        ranked as (
          select matched.id, matched.downloads, matched.stars, (${relevanceOf(search, queries)}${sql.join(rarity, sql``)}) as relevance
          from pool join matched on matched.id = pool.id join ${agents} on ${agents.id} = pool.id cross join weights
        )`
      : sql`ranked as (select * from matched)`;
  const rows = await withIndexFriendlyCosts(db, (tx) =>
    tx.execute<{ id: number; total: number }>(sql`
      with matched as materialized (
        select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, ${agents.rating} as rating,
               ${agents.createdAt} as created_at, ${nameContains(search)} as named ${sql.join(flags, sql``)}
        from ${agents} where ${where(query)}
      ),
      weights as (select count(*)::float8 as n ${sql.join(sums, sql``)} from matched),
      ${ranked}
      select id, (select n from weights) as total from ranked order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`),
  );
  return pageOrCount(db, rows.rows, page.offset, where(query));
}

/**
 * A common relaxed query: weights from the sample's shares (a word the sample never met counts
 * as met once), the pool by index walks, and a count that stops past the pool. `total` is that
 * capped count; the caller replaces it with the estimate when it passes the pool. Exported for
 * its test: which path a random sample takes is not for a test to choose.
 */
export async function rankCommon(
  db: Executor,
  search: SearchText,
  queries: MatchQueries,
  where: (tsquery: string) => SQL,
  query: string,
  page: Page,
  pool: number,
  shares: number[],
  seen: number,
): Promise<Ranked> {
  const [all, ...pieces] = shares.map((share) => Math.max(share, 1 / seen));
  const rarity = queries.pieces.map((piece, i) => sql` + (${agents.searchVector} @@ ${piece}::tsquery)::int::float8 * ${Math.log(all! / pieces[i]!)}::float8`);
  const popular = (tsquery: string) =>
    sql`(select ${agents.id} as id from ${agents} where ${where(tsquery)} order by ${agents.downloads} desc, ${agents.stars} desc, ${agents.id} desc limit ${pool})`;
  const named = sql`(select ${agents.id} as id from ${agents} where ${where(query)} and ${nameContains(search)} limit ${pool})`;
  const capped = sql`(select count(*) from (select 1 from ${agents} where ${where(query)} limit ${pool + 1}) as capped)`;
  const rows = await withIndexFriendlyCosts(db, (tx) =>
    tx.execute<{ id: number; total: number }>(sql`
      with pool as (${popular(query)} union ${named}${sql.join(
        queries.pieces.map((piece) => sql` union ${popular(piece)}`),
        sql``,
      )}),
      ranked as (
        select ${agents.id} as id, ${agents.downloads} as downloads, ${agents.stars} as stars, (${relevanceOf(search, queries)}${sql.join(rarity, sql``)}) as relevance
        from ${agents} join pool on pool.id = ${agents.id}
      )
      select id, ${capped} as total from ranked order by ${ORDER[page.sort]} limit ${page.limit} offset ${page.offset}`),
  );
  return { ids: rows.rows.map((row) => Number(row.id)), total: Number(rows.rows[0]?.total ?? 0) };
}
