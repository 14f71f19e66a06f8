import { and, eq, inArray, sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { AgentSummary } from "../../contract/agents.ts";
import type { AnalyticsTrending, Popular, Trending, TrendingInput, TrendTimeframe } from "../../contract/discovery.ts";
import type { Executor } from "../../lib/db/db.ts";
import { ANONYMOUS } from "../actor.ts";
import { pageOfAgents, selectAgentSummaries, toAgentSummary, visibleTo } from "../agents/queries.ts";
import { activityBetween } from "../analytics/windows.ts";
import { cachedRead, LIST_TTL_SECONDS } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";

/**
 * Trending and popular (contract section 6). Public agents only, whoever asks: these are shared
 * discovery feeds, so one cached answer serves everyone.
 *
 * Trending compares a window up to now with the window before it, from the download and star
 * events (rolled-up days plus raw events, so it is exact before any rollup ran). Activity is
 * downloads + 2 x net new stars; an agent rises by
 *     activity x ln(1 + (activity + 1) / (previous activity + 1))
 * i.e. volume, scaled up by growth and down by decline, so neither one download of a new agent
 * nor a steady giant dominates. trend_score divides by the top riser of the answer (0..1].
 */

const HOUR_MS = 60 * 60 * 1000;
const WINDOW_MS: Record<TrendTimeframe, number> = { hour: HOUR_MS, day: 24 * HOUR_MS, week: 7 * 24 * HOUR_MS, month: 30 * 24 * HOUR_MS };

export interface TrendRow {
  agentId: number;
  downloadsNow: number;
  downloadsBefore: number;
  starsNow: number;
  trendScore: number;
}

export async function getTrending(ctx: ServiceContext, input: TrendingInput): Promise<Trending> {
  return cachedRead(ctx, { name: "trending", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: false }, async () => {
    const rows = await risingAgents(ctx.db, input.timeframe, input.limit);
    const summaries = await publicSummaries(
      ctx.db,
      rows.map((r) => r.agentId),
    );
    return {
      agents: rows.flatMap((row) => {
        const agent = summaries.get(row.agentId);
        return agent ? [{ agent, trend_score: row.trendScore, downloads_change: downloadsChange(row.downloadsNow, row.downloadsBefore) }] : [];
      }),
    };
  });
}

export async function getAnalyticsTrending(ctx: ServiceContext, input: { limit: number }): Promise<AnalyticsTrending> {
  return cachedRead(ctx, { name: "analytics.trending", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: false }, async () => {
    const rows = await risingAgents(ctx.db, "week", input.limit);
    const summaries = await publicSummaries(
      ctx.db,
      rows.map((r) => r.agentId),
    );
    return {
      items: rows.flatMap((row) => {
        const agent = summaries.get(row.agentId);
        if (!agent) return [];
        const { id, name, slug, description } = agent;
        return [{ id, name, slug, description, downloads_this_week: row.downloadsNow, stars_this_week: row.starsNow, trend_score: row.trendScore }];
      }),
    };
  });
}

export async function getPopular(ctx: ServiceContext, input: { limit: number }): Promise<Popular> {
  return cachedRead(ctx, { name: "popular", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: false }, async () => {
    const page = await pageOfAgents(ctx.db, and(visibleTo(ANONYMOUS), eq(agents.isValidated, true)), { limit: input.limit, offset: 0, sort: "downloads" });
    return { items: page.items, total: page.total, limit: input.limit };
  });
}

/** "+35%", "-20%", "+0%"; "New" when the previous window had no downloads and this one has. */
function downloadsChange(now: number, before: number): string {
  if (before === 0) return now > 0 ? "New" : "+0%";
  const percent = Math.round(((now - before) / before) * 100);
  return `${percent >= 0 ? "+" : ""}${percent}%`;
}

export async function risingAgents(db: Executor, timeframe: TrendTimeframe, limit: number, now = new Date()): Promise<TrendRow[]> {
  const length = WINDOW_MS[timeframe];
  const start = new Date(now.getTime() - length);
  const result = await db.execute<{ agent_id: number; downloads_now: number; downloads_before: number; stars_now: number; trend_score: number }>(sql`
    with current_window as ${activityBetween(start, now)},
    previous_window as ${activityBetween(new Date(start.getTime() - length), start)},
    activity as (
      select c.agent_id, c.downloads as downloads_now, coalesce(p.downloads, 0) as downloads_before,
             c.stars_added - c.stars_removed as stars_now,
             c.downloads + 2 * greatest(c.stars_added - c.stars_removed, 0) as now_score,
             coalesce(p.downloads + 2 * greatest(p.stars_added - p.stars_removed, 0), 0) as before_score
      from current_window c
      left join previous_window p on p.agent_id = c.agent_id
      join agents on agents.id = c.agent_id
      where ${visibleTo(ANONYMOUS)}
    ),
    rising as (
      select *, now_score * ln(1 + (now_score + 1.0) / (before_score + 1.0)) as rise from activity where now_score > 0
    )
    select agent_id, downloads_now, downloads_before, stars_now, rise / max(rise) over () as trend_score
    from rising
    order by rise desc, downloads_now desc, agent_id desc
    limit ${limit}`);
  return result.rows.map((r) => ({
    agentId: Number(r.agent_id),
    downloadsNow: Number(r.downloads_now),
    downloadsBefore: Number(r.downloads_before),
    starsNow: Number(r.stars_now),
    trendScore: Math.round(Number(r.trend_score) * 10_000) / 10_000,
  }));
}

async function publicSummaries(db: Executor, ids: number[]): Promise<Map<number, AgentSummary>> {
  if (ids.length === 0) return new Map();
  const rows = await selectAgentSummaries(db).where(and(inArray(agents.id, ids), visibleTo(ANONYMOUS)));
  return new Map(rows.map((row) => [row.id, toAgentSummary(row)]));
}
