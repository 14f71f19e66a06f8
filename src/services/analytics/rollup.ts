import { sql } from "drizzle-orm";
import type { Executor } from "../../lib/db/db.ts";
import type { ServiceContext } from "../context.ts";

/** The rollup_watermarks row of this rollup; readers combine rows before it with raw events after it. */
export const WATERMARK = "daily_stats";
/**
 * Events are rolled up only once they are this old: an event row carries its transaction's start
 * time, so a transaction still open at the cut could otherwise commit an event behind the mark.
 */
const SETTLE_SECONDS = 300;

/**
 * Adds download and star events between the watermark and (now - settle time) into
 * agent_daily_stats, and moves the watermark, in one transaction. The watermark row is locked,
 * so two runs (two instances, or a manual run) can never count an event twice.
 */
export async function rollupDailyStats(ctx: ServiceContext): Promise<{ from: string; until: string; rows: number }> {
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`insert into rollup_watermarks (name, rolled_up_until) values (${WATERMARK}, 'epoch') on conflict (name) do nothing`);
    const [mark] = (
      await tx.execute<{ from: string; until: string }>(sql`
        select rolled_up_until::text as "from",
               greatest(rolled_up_until, date_trunc('second', now() - make_interval(secs => ${SETTLE_SECONDS})))::text as "until"
        from rollup_watermarks where name = ${WATERMARK} for update`)
    ).rows;
    const { from, until } = mark!;
    const inserted = await tx.execute(sql`
      insert into agent_daily_stats (agent_id, day, downloads, stars_added, stars_removed)
      select agent_id, day, sum(downloads)::int, sum(added)::int, sum(removed)::int from (
        select agent_id, (created_at at time zone 'UTC')::date as day, 1 as downloads, 0 as added, 0 as removed
        from download_events where created_at >= ${from}::timestamptz and created_at < ${until}::timestamptz
        union all
        select agent_id, (created_at at time zone 'UTC')::date, 0, (delta = 1)::int, (delta = -1)::int
        from star_events where created_at >= ${from}::timestamptz and created_at < ${until}::timestamptz
      ) events
      group by agent_id, day
      on conflict (agent_id, day) do update set
        downloads = agent_daily_stats.downloads + excluded.downloads,
        stars_added = agent_daily_stats.stars_added + excluded.stars_added,
        stars_removed = agent_daily_stats.stars_removed + excluded.stars_removed`);
    await tx.execute(sql`update rollup_watermarks set rolled_up_until = ${until}::timestamptz, updated_at = now() where name = ${WATERMARK}`);
    return { from, until, rows: inserted.rowCount ?? 0 };
  });
}

export type DailyCount = {
  day: string;
  downloads: number;
  stars_added: number;
  stars_removed: number;
};

/**
 * Per-day counts for one agent since `sinceDay` (YYYY-MM-DD, UTC): rolled-up days plus the raw
 * events past the watermark, so the answer is right whether or not the rollup has run.
 */
export async function dailyCounts(db: Executor, agentId: number, sinceDay: string): Promise<DailyCount[]> {
  const result = await db.execute<DailyCount>(sql`
    with mark as (select coalesce((select rolled_up_until from rollup_watermarks where name = ${WATERMARK}), 'epoch'::timestamptz) as until)
    select day::text as day, sum(downloads)::int as downloads, sum(stars_added)::int as stars_added, sum(stars_removed)::int as stars_removed from (
      select day, downloads, stars_added, stars_removed from agent_daily_stats where agent_id = ${agentId} and day >= ${sinceDay}::date
      union all
      select (created_at at time zone 'UTC')::date, 1, 0, 0 from download_events, mark
        where agent_id = ${agentId} and created_at >= mark.until and created_at >= (${sinceDay}::date)::timestamp at time zone 'UTC'
      union all
      select (created_at at time zone 'UTC')::date, 0, (delta = 1)::int, (delta = -1)::int from star_events, mark
        where agent_id = ${agentId} and created_at >= mark.until and created_at >= (${sinceDay}::date)::timestamp at time zone 'UTC'
    ) combined
    group by day order by day`);
  return result.rows;
}
