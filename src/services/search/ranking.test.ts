import { beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import { makeUser } from "../../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../../testing/harness.ts";
import { listedAgents } from "../agents/queries.ts";
import { buildMatchQueries } from "./query.ts";
import { rankCandidates } from "./ranking.ts";
import { rankCommon } from "./relaxed-ranking.ts";
import { parseSearchText } from "./text.ts";

/**
 * The bounded ranking: when a word matches more agents than the pool ranks in full, the total
 * is counted exactly on a small catalog and estimated above the pool on a large one, orders by a column stay exact, and an unpopular agent whose name is the query
 * still comes first (name matches always join the pool).
 */
const MATCHES = 40;
const POOL = 5;

for (const mode of TEST_MODES) {
  describe(`bounded search ranking [${mode}]`, () => {
    const t = useTestApp(mode);

    beforeAll(async () => {
      const author = await makeUser(t.rt.db.db);
      const rows = Array.from({ length: MATCHES }, (_, i) => ({
        name: `Helper ${i}`,
        slug: `pool-${i}`,
        description: "Turns spreadsheets into gizmo reports",
        authorId: author.id,
        downloads: 1000 + i,
        stars: 0,
      }));
      rows.push({ name: "Gizmo", slug: "pool-gizmo", description: "Rarely used", authorId: author.id, downloads: 0, stars: 0 });
      rows.push({ name: "Keeper", slug: "pool-quokka", description: "Feeds the quokka", authorId: author.id, downloads: 0, stars: 0 });
      await t.rt.db.db.insert(agents).values(rows);
    });

    const rank = async (q: string, sort: "relevance" | "downloads", pool: number, limit = 3) => {
      const search = parseSearchText(q);
      const queries = await buildMatchQueries(t.rt.db.db, search);
      return rankCandidates(t.rt.db.db, listedAgents(), search, queries, { query: queries.all, relaxed: false }, { limit, offset: 0, sort }, pool);
    };

    test("totals and column orders are exact; the unpopular exact name match still ranks first", async () => {
      const bounded = await rank("gizmo", "relevance", POOL);
      const full = await rank("gizmo", "relevance", 10_000);
      expect(bounded.total).toBe(MATCHES + 1);
      expect(full.total).toBe(MATCHES + 1);
      expect(bounded.ids[0]).toBe(full.ids[0]!);
      const byDownloads = [await rank("gizmo", "downloads", POOL, 10), await rank("gizmo", "downloads", 10_000, 10)];
      expect(byDownloads[0]).toEqual(byDownloads[1]!);
      // The bounded page is made of the most popular matches (and name matches): here the same page.
      expect(bounded.ids).toEqual(full.ids);
    });

    test("a common word in a catalog large enough to sample: the same page, a total above the pool; a small catalog is counted", async () => {
      await t.rt.db.db.execute(sql`analyze agents`);
      const search = parseSearchText("gizmo");
      const queries = await buildMatchQueries(t.rt.db.db, search);
      const window = { limit: 3, offset: 0, sort: "relevance" as const };
      const ranked = (sampleRows: number) =>
        rankCandidates(t.rt.db.db, listedAgents(), search, queries, { query: queries.all, relaxed: false }, window, POOL, sampleRows);
      // One row per sample: the table (ten rows or more) is sampled. Whether the random sample
      // finds the word common (index walks, estimated total) or not (exact count), the answer
      // ranks the same page and never claims the pool's worth of matches or fewer.
      for (let i = 0; i < 5; i++) {
        const sampled = await ranked(1);
        expect(sampled.total).toBeGreaterThan(POOL);
        expect(sampled.ids).toEqual((await rank("gizmo", "relevance", POOL)).ids);
      }
      // Under ten samples' worth of rows, the matches are counted.
      expect((await ranked(1000)).total).toBe(MATCHES + 1);
    });

    test("a relaxed query ranks a pool: the rare word's unpopular match comes first, as when every candidate is scored", async () => {
      // No agent has both words: the search falls back to any of them, weighted by rarity.
      const search = parseSearchText("gizmo quokka");
      const queries = await buildMatchQueries(t.rt.db.db, search);
      const anyWord = { query: queries.relaxed.at(-1)!, relaxed: true };
      const ranked = (pool: number) => rankCandidates(t.rt.db.db, listedAgents(), search, queries, anyWord, { limit: 3, offset: 0, sort: "relevance" }, pool);
      const [bounded, full] = [await ranked(POOL), await ranked(1)]; // a pool of 1 is passed by the page: every candidate scored
      const [quokka] = await t.rt.db.db.select({ id: agents.id }).from(agents).where(sql`${agents.slug} = 'pool-quokka'`);
      expect(full.ids[0]).toBe(quokka!.id);
      expect(bounded.ids).toEqual(full.ids);
      expect(bounded.total).toBe(MATCHES + 2);
      expect(full.total).toBe(MATCHES + 2);
      // A common query (as a sample of the whole catalog would find it) takes its weights from
      // the sample's shares and its pool from index walks: the same page, a count capped past the pool.
      const where = (tsquery: string) => sql`${listedAgents()} and ${agents.searchVector} @@ ${tsquery}::tsquery`;
      const seen = MATCHES + 2;
      const shares = [1, (MATCHES + 1) / seen, 1 / seen];
      const common = await rankCommon(t.rt.db.db, search, queries, where, anyWord.query, { limit: 3, offset: 0, sort: "relevance" }, POOL, shares, seen);
      expect(common.ids).toEqual(full.ids);
      expect(common.total).toBe(POOL + 1);
    });

    test("a page beyond the pool is ranked in full", async () => {
      const search = parseSearchText("gizmo");
      const queries = await buildMatchQueries(t.rt.db.db, search);
      const deep = await rankCandidates(
        t.rt.db.db,
        listedAgents(),
        search,
        queries,
        { query: queries.all, relaxed: false },
        { limit: 4, offset: 4, sort: "relevance" },
        POOL,
      );
      expect(deep.total).toBe(MATCHES + 1);
      expect(deep.ids).toHaveLength(4);
    });
  });
}
