import { and, count, eq, gte } from "drizzle-orm";
import { stars } from "../../../db/schema/index.ts";
import type { AgentAnalytics, AgentStats } from "../../contract/agent-stats.ts";
import type { Executor } from "../../lib/db/db.ts";
import { dailyCounts } from "../analytics/rollup.ts";
import { cachedRead, DETAIL_TTL_SECONDS } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";
import { type AgentRow, findVisibleAgent } from "./queries.ts";

/** Per-agent numbers (contract section 4): counters from the agent row, days from the events. */

const WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function getAgentStats(ctx: ServiceContext, input: { slug: string }): Promise<AgentStats> {
  return cachedRead(ctx, { name: "agents.stats", input, ttlSeconds: DETAIL_TTL_SECONDS, perViewer: true }, () => computeAgentStats(ctx, input));
}

async function computeAgentStats(ctx: ServiceContext, input: { slug: string }): Promise<AgentStats> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const days = windowDays();
  const [daily, [recentStars]] = await Promise.all([
    downloadsPerDay(ctx.db, agent, days),
    ctx.db
      .select({ n: count() })
      .from(stars)
      .where(and(eq(stars.agentId, agent.id), gte(stars.createdAt, new Date(`${days[0]}T00:00:00Z`)))),
  ]);
  return {
    downloads: {
      total: agent.downloads,
      last_30_days: daily.reduce((sum, d) => sum + d.count, 0),
      daily: daily.map(({ day, count }) => ({ date: day, count })),
    },
    stars: { total: agent.stars, last_30_days: recentStars?.n ?? 0 },
    reviews: { count: agent.reviewCount, average_rating: agent.rating },
  };
}

export async function getAgentAnalytics(ctx: ServiceContext, input: { slug: string }): Promise<AgentAnalytics> {
  return cachedRead(ctx, { name: "agents.analytics", input, ttlSeconds: DETAIL_TTL_SECONDS, perViewer: true }, () => computeAgentAnalytics(ctx, input));
}

async function computeAgentAnalytics(ctx: ServiceContext, input: { slug: string }): Promise<AgentAnalytics> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const daily = await downloadsPerDay(ctx.db, agent, windowDays());
  return {
    agent_id: agent.id,
    agent_slug: agent.slug,
    total_downloads: agent.downloads,
    total_stars: agent.stars,
    average_rating: agent.rating,
    review_count: agent.reviewCount,
    daily_downloads: daily.map(({ day, count }) => ({ date: `${day}T00:00:00.000Z`, downloads: count })),
  };
}

/** The last 30 UTC days, oldest first, ending today. */
function windowDays(now = Date.now()): string[] {
  return Array.from({ length: WINDOW_DAYS }, (_, i) => new Date(now - (WINDOW_DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

async function downloadsPerDay(db: Executor, agent: AgentRow, days: string[]): Promise<{ day: string; count: number }[]> {
  const counted = new Map((await dailyCounts(db, agent.id, days[0]!)).map((row) => [row.day, Number(row.downloads)]));
  return days.map((day) => ({ day, count: counted.get(day) ?? 0 }));
}
