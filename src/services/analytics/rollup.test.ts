import { describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { agentDailyStats, downloadEvents, rollupWatermarks, starEvents } from "../../../db/schema/index.ts";
import { systemContextOf } from "../../runtime.ts";
import { makeAgent, makeUser } from "../../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../../testing/harness.ts";
import { dailyCounts, rollupDailyStats } from "./rollup.ts";

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

for (const mode of TEST_MODES) {
  describe(`daily stats rollup [${mode}]`, () => {
    const t = useTestApp(mode);

    test("reads are the same before and after the rollup, and a second rollup adds nothing", async () => {
      const { db } = t.rt.db;
      const author = await makeUser(db);
      const agent = await makeAgent(db, author.id);
      const old = hoursAgo(30);
      const recent = hoursAgo(1);
      const justNow = new Date();
      await db.insert(downloadEvents).values([
        { agentId: agent.id, createdAt: old },
        { agentId: agent.id, createdAt: old },
        { agentId: agent.id, createdAt: recent },
        { agentId: agent.id, createdAt: justNow },
      ]);
      await db.insert(starEvents).values([
        { agentId: agent.id, delta: 1, createdAt: old },
        { agentId: agent.id, delta: -1, createdAt: recent },
        { agentId: agent.id, delta: 1, createdAt: justNow },
      ]);
      const since = dayOf(hoursAgo(72));
      const before = await dailyCounts(db, agent.id, since);
      const total = (rows: typeof before) => rows.reduce((n, r) => n + r.downloads, 0);
      expect(total(before)).toBe(4);

      const first = await rollupDailyStats(systemContextOf(t.rt));
      expect(first.rows).toBeGreaterThan(0);
      const after = await dailyCounts(db, agent.id, since);
      expect(after).toEqual(before);
      const rolled = await db.select().from(agentDailyStats).where(sql`${agentDailyStats.agentId} = ${agent.id}`);
      // The event from "just now" has not settled yet, so it stays raw.
      expect(rolled.reduce((n, r) => n + r.downloads, 0)).toBe(3);
      expect(rolled.reduce((n, r) => n + r.starsAdded - r.starsRemoved, 0)).toBe(0);

      await rollupDailyStats(systemContextOf(t.rt));
      expect(await dailyCounts(db, agent.id, since)).toEqual(before);
    });

    test("concurrent rollups never count an event twice", async () => {
      const { db } = t.rt.db;
      const author = await makeUser(db);
      const agent = await makeAgent(db, author.id);
      // Events are normally stamped "now"; these are back-dated, so start from an empty watermark.
      await db.delete(rollupWatermarks);
      await db.delete(agentDailyStats);
      await db.insert(downloadEvents).values(Array.from({ length: 20 }, () => ({ agentId: agent.id, createdAt: hoursAgo(2) })));
      await Promise.all([rollupDailyStats(systemContextOf(t.rt)), rollupDailyStats(systemContextOf(t.rt)), rollupDailyStats(systemContextOf(t.rt))]);
      const rolled = await db.select().from(agentDailyStats).where(sql`${agentDailyStats.agentId} = ${agent.id}`);
      expect(rolled.reduce((n, r) => n + r.downloads, 0)).toBe(20);
    });
  });
}
