import { type SQL, sql } from "drizzle-orm";
import { WATERMARK } from "./rollup.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Per-agent activity with created_at in [from, until), exact whether or not the rollup has run:
 * whole UTC days inside the window are read from agent_daily_stats (the events before the
 * watermark) plus their raw events from the watermark on; the partial days at the edges are read
 * from raw events only. Each raw range is a separate index range, so a month-long window reads
 * only the edges and the not yet rolled-up tail.
 *
 * A subquery with columns agent_id, downloads, stars_added, stars_removed.
 */
export function activityBetween(from: Date, until: Date): SQL {
  const firstFull = new Date(Math.ceil(from.getTime() / DAY_MS) * DAY_MS);
  const fullEnd = new Date(Math.floor(until.getTime() / DAY_MS) * DAY_MS);
  const mark = sql`coalesce((select rolled_up_until from rollup_watermarks where name = ${WATERMARK}), 'epoch'::timestamptz)`;
  const hasFullDays = firstFull < fullEnd;
  const rawRanges = hasFullDays
    ? sql`((created_at >= ${iso(from)}::timestamptz and created_at < ${iso(firstFull)}::timestamptz)
        or (created_at >= ${iso(fullEnd)}::timestamptz and created_at < ${iso(until)}::timestamptz)
        or (created_at >= greatest(${mark}, ${iso(firstFull)}::timestamptz) and created_at < ${iso(fullEnd)}::timestamptz))`
    : sql`(created_at >= ${iso(from)}::timestamptz and created_at < ${iso(until)}::timestamptz)`;
  const rolledUp = hasFullDays
    ? sql`select agent_id, downloads, stars_added, stars_removed from agent_daily_stats
          where day >= ${day(firstFull)}::date and day < ${day(fullEnd)}::date
          union all`
    : sql``;
  return sql`(
    select agent_id, sum(downloads)::int as downloads, sum(stars_added)::int as stars_added, sum(stars_removed)::int as stars_removed
    from (
      ${rolledUp}
      select agent_id, 1 as downloads, 0 as stars_added, 0 as stars_removed from download_events where ${rawRanges}
      union all
      select agent_id, 0, (delta = 1)::int, (delta = -1)::int from star_events where ${rawRanges}
    ) events
    group by agent_id
  )`;
}

function iso(at: Date): string {
  return at.toISOString();
}

function day(at: Date): string {
  return at.toISOString().slice(0, 10);
}
