import { count, eq, sql } from "drizzle-orm";
import { agents, agentVersions, users } from "../../../db/schema/index.ts";
import type { SiteStats } from "../../contract/discovery.ts";
import type { Executor } from "../../lib/db/db.ts";
import { ANONYMOUS } from "../actor.ts";
import { visibleTo } from "../agents/queries.ts";
import { activityBetween } from "../analytics/windows.ts";
import { cachedRead, LIST_TTL_SECONDS } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";

/** "Active this month" and "last 30 days" both mean the last 30 days, so the numbers line up. */
export const ACTIVE_WINDOW_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * GET /stats: the marketplace in numbers, public agents only whoever asks (so one cached answer
 * serves everyone); counters come from the rows, recent downloads from the download events.
 */
export async function getSiteStats(ctx: ServiceContext): Promise<SiteStats> {
  return cachedRead(ctx, { name: "stats", input: null, ttlSeconds: LIST_TTL_SECONDS, perViewer: false }, () => computeSiteStats(ctx.db));
}

async function computeSiteStats(db: Executor, now = new Date()): Promise<SiteStats> {
  const publicAgents = visibleTo(ANONYMOUS);
  const since = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - (ACTIVE_WINDOW_DAYS - 1) * DAY_MS);
  const [[catalog], [people], recent] = await Promise.all([
    db
      .select({
        total: count(),
        validated: sql<number>`count(*) filter (where ${agents.isValidated})`.mapWith(Number),
        // An agent without any version yet shows as pending too (AgentSummary does the same).
        pending: sql<number>`count(*) filter (where coalesce(${agentVersions.validationStatus}, 'pending') in ('pending', 'running'))`.mapWith(Number),
        downloads: sql<number>`coalesce(sum(${agents.downloads}), 0)`.mapWith(Number),
      })
      .from(agents)
      .leftJoin(agentVersions, eq(agentVersions.id, agents.currentVersionId))
      .where(publicAgents),
    db
      .select({
        total: count(),
        active: sql<number>`count(*) filter (where ${users.lastActiveAt} >= ${since.toISOString()}::timestamptz)`.mapWith(Number),
      })
      .from(users),
    db.execute<{ n: number }>(sql`
      select coalesce(sum(recent.downloads), 0)::bigint as n
      from ${activityBetween(since, now)} recent join agents on agents.id = recent.agent_id
      where ${publicAgents}`),
  ]);
  return {
    agents: { total: catalog?.total ?? 0, validated: catalog?.validated ?? 0, pending: catalog?.pending ?? 0 },
    users: { total: people?.total ?? 0, active_this_month: people?.active ?? 0 },
    downloads: { total: catalog?.downloads ?? 0, last_30_days: Number(recent.rows[0]?.n ?? 0) },
  };
}
