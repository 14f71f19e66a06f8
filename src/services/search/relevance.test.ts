import { beforeAll, describe, expect, test } from "bun:test";
import { agents } from "../../../db/schema/index.ts";
import { makeUser } from "../../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../../testing/harness.ts";
import { fillerAgents, relevanceCases, targetAgents } from "../../testing/relevance-fixture.ts";

/**
 * Relevance: 240 realistic agents (src/testing/relevance-fixture.ts) and 40 queries (exact names,
 * description words, typos, prefixes, two-word queries), each with the agent that must come first
 * or within the top 3. Prints the share that passes; all of them must.
 */
for (const mode of TEST_MODES) {
  describe(`search relevance [${mode}]`, () => {
    const t = useTestApp(mode);

    beforeAll(async () => {
      const author = await makeUser(t.rt.db.db);
      const rows = [...targetAgents, ...fillerAgents()].map((a, i) => ({ ...a, slug: `relevance-${i}`, authorId: author.id }));
      await t.rt.db.db.insert(agents).values(rows);
    });

    test("every query finds its agent first or within the top 3", async () => {
      const misses: string[] = [];
      for (const c of relevanceCases) {
        const page = await t.caller().search.agents({ q: c.q, limit: 10, offset: 0, sort: "relevance" });
        const names = page.items.map((a) => a.name);
        const rank = names.indexOf(c.expect) + 1;
        if (rank === 0 || rank > c.within) misses.push(`${c.kind} "${c.q}": wanted "${c.expect}" within ${c.within}, got [${names.slice(0, 5).join(", ")}]`);
      }
      const passed = relevanceCases.length - misses.length;
      console.log(`search relevance [${mode}]: ${passed}/${relevanceCases.length} queries pass (${((100 * passed) / relevanceCases.length).toFixed(1)}%)`);
      for (const miss of misses) console.log(`  miss: ${miss}`);
      expect(relevanceCases.length).toBeGreaterThanOrEqual(30);
      expect(misses).toEqual([]);
    }, 60_000);
  });
}
