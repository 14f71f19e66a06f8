import { beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { downloadEvents, starEvents } from "../db/schema/index.ts";
import { systemContextOf } from "../src/runtime.ts";
import { rollupDailyStats } from "../src/services/analytics/rollup.ts";
import { invalidateCatalog } from "../src/services/catalog-cache.ts";
import { risingAgents } from "../src/services/search/discovery.ts";
import { makeAgent, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

type Trending = { agents: { agent: { slug: string }; trend_score: number; downloads_change: string }[] };

/**
 * Discovery from real events. Events are written straight into the tables with chosen times
 * (the services only ever write "now"), then the answer is checked before and after the rollup
 * has folded them into daily rows: both must be the same.
 */
for (const mode of TEST_MODES) {
  describe(`trending, popular and stats [${mode}]`, () => {
    const t = useTestApp(mode);
    // Set when the events are written, right before the tests read them.
    let now = 0;
    const slugs = { rising: "rising", fresh: "fresh", falling: "falling", hidden: "hidden", dormant: "dormant" };
    const get = async <T>(path: string): Promise<T> => {
      const res = await t.fetch(`/api/v1${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      return (await res.json()) as T;
    };

    beforeAll(async () => {
      now = Date.now();
      const db = t.rt.db.db;
      const author = await makeUser(db);
      const downloads: { agentId: number; createdAt: Date }[] = [];
      const add = (agentId: number, agoMs: number, n = 1) => {
        for (let i = 0; i < n; i++) downloads.push({ agentId, createdAt: new Date(now - agoMs) });
      };
      // Counters equal the events, as the recorder keeps them.
      const rising = await makeAgent(db, author.id, { slug: slugs.rising, downloads: 27, stars: 1, isValidated: true });
      add(rising.id, 1 * DAY, 15);
      add(rising.id, 7 * DAY - 5 * MIN); // early in this week's window...
      add(rising.id, 7 * DAY + 5 * MIN); // ...and late in the previous one: one UTC day, split between them
      add(rising.id, 8 * DAY, 10);
      const fresh = await makeAgent(db, author.id, { slug: slugs.fresh, downloads: 3, isValidated: true });
      add(fresh.id, 1 * DAY, 2);
      add(fresh.id, 10 * MIN);
      const falling = await makeAgent(db, author.id, { slug: slugs.falling, downloads: 10, stars: 5 });
      add(falling.id, 2 * DAY, 2);
      add(falling.id, 9 * DAY, 8);
      const hidden = await makeAgent(db, author.id, { slug: slugs.hidden, downloads: 100, isPublic: false, isValidated: true });
      add(hidden.id, 1 * DAY, 100);
      await makeAgent(db, author.id, { slug: slugs.dormant, downloads: 0, stars: 0, isValidated: true });
      await db.insert(downloadEvents).values(downloads);
      await db.insert(starEvents).values([
        { agentId: rising.id, delta: 1, createdAt: new Date(now - 2 * DAY) },
        { agentId: rising.id, delta: 1, createdAt: new Date(now - 2 * DAY) },
        { agentId: rising.id, delta: -1, createdAt: new Date(now - 1 * DAY) },
      ]);
      // Written around the services, so the cached answers are dropped by hand.
      await invalidateCatalog(t.rt);
    });

    test("/trending: this window against the previous one, public agents only; the same after the rollup", async () => {
      const week = await get<Trending>("/trending");
      expect(week.agents.map((a) => [a.agent.slug, a.downloads_change])).toEqual([
        [slugs.rising, "+45%"], // 16 against 11
        [slugs.fresh, "New"],
        [slugs.falling, "-75%"],
      ]);
      expect(week.agents[0]!.trend_score).toBe(1);
      expect(week.agents.every((a) => a.trend_score > 0 && a.trend_score <= 1)).toBe(true);
      const hour = await get<Trending>("/trending?timeframe=hour");
      expect(hour.agents.map((a) => [a.agent.slug, a.downloads_change, a.trend_score])).toEqual([[slugs.fresh, "New", 1]]);
      expect((await get<Trending>("/trending?timeframe=week&limit=1")).agents).toHaveLength(1);
      expect((await t.fetch("/api/v1/trending?timeframe=year")).status).toBe(422);
      expect((await t.fetch("/api/v1/trending?limit=51")).status).toBe(422);

      const at = new Date(now + 1000);
      const before = await Promise.all((["hour", "day", "week", "month"] as const).map((w) => risingAgents(t.rt.db.db, w, 10, at)));
      await rollupDailyStats(systemContextOf(t.rt));
      const [rolled] = (await t.rt.db.db.execute<{ n: number }>(sql`select count(*)::int as n from agent_daily_stats`)).rows;
      expect(Number(rolled?.n)).toBeGreaterThan(0);
      const after = await Promise.all((["hour", "day", "week", "month"] as const).map((w) => risingAgents(t.rt.db.db, w, 10, at)));
      expect(after).toEqual(before);
    });

    test("/analytics/trending: this week's numbers", async () => {
      const body = await get<{ items: { slug: string; downloads_this_week: number; stars_this_week: number; trend_score: number; name: string }[] }>(
        "/analytics/trending",
      );
      expect(body.items.map((i) => i.slug)).toEqual([slugs.rising, slugs.fresh, slugs.falling]);
      expect(body.items[0]).toMatchObject({ slug: slugs.rising, downloads_this_week: 16, stars_this_week: 1, trend_score: 1 });
      expect(body.items[1]).toMatchObject({ slug: slugs.fresh, downloads_this_week: 3, stars_this_week: 0 });
    });

    test("/popular: validated public agents by downloads, then stars", async () => {
      const body = await get<{ items: { slug: string }[]; total: number; limit: number }>("/popular?limit=2");
      expect(body).toMatchObject({ total: 3, limit: 2 });
      expect(body.items.map((a) => a.slug)).toEqual([slugs.rising, slugs.fresh]);
    });

    test("/stats: public agents and real event counts, the same before and after the rollup", async () => {
      await invalidateCatalog(t.rt);
      const stats = await get<Record<string, Record<string, number>>>("/stats");
      expect(stats.agents).toEqual({ total: 4, validated: 3, pending: 4 });
      expect(stats.users).toEqual({ total: 1, active_this_month: 0 });
      expect(stats.downloads).toEqual({ total: 40, last_30_days: 40 });
      await rollupDailyStats(systemContextOf(t.rt));
      await invalidateCatalog(t.rt);
      expect(await get("/stats")).toEqual(stats);
      const perAgent = await get<{ downloads: { total: number; last_30_days: number; daily: { count: number }[] } }>(`/agents/${slugs.rising}/stats`);
      expect(perAgent.downloads.total).toBe(27);
      expect(perAgent.downloads.last_30_days).toBe(27);
      expect(perAgent.downloads.daily.reduce((sum, d) => sum + d.count, 0)).toBe(27);
    });
  });
}
