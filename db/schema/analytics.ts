import { sql } from "drizzle-orm";
import { bigint, check, date, doublePrecision, index, integer, pgTable, primaryKey, text, varchar } from "drizzle-orm/pg-core";
import { TREND_TIMEFRAMES } from "../../src/contract/discovery.ts";
import { createdAt, tstz, updatedAt } from "./_columns.ts";
import { agents, agentVersions } from "./agents.ts";
import { users } from "./users.ts";

/** One row per download (agents.downloads is their count). Rolled up into agent_daily_stats. */
export const downloadEvents = pgTable(
  "download_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    versionId: integer("version_id").references(() => agentVersions.id, { onDelete: "set null" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    /** Salted hash of the client IP, for de-duplication without keeping the address. */
    ipHash: varchar("ip_hash", { length: 128 }),
    createdAt: createdAt(),
  },
  (t) => [
    index("download_events_agent_id_created_at_idx").on(t.agentId, t.createdAt),
    index("download_events_created_at_idx").on(t.createdAt),
    // These two let set-null on version or user delete avoid scanning the table.
    index("download_events_version_id_idx").on(t.versionId).where(sql`${t.versionId} is not null`),
    index("download_events_user_id_idx").on(t.userId).where(sql`${t.userId} is not null`),
  ],
);

/**
 * Daily rollup of download_events and star_events (UTC days). Reads combine these rows with the
 * raw events past the watermark in rollup_watermarks, so they are right before any rollup runs.
 */
export const agentDailyStats = pgTable(
  "agent_daily_stats",
  {
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    downloads: integer("downloads").notNull().default(0),
    starsAdded: integer("stars_added").notNull().default(0),
    starsRemoved: integer("stars_removed").notNull().default(0),
  },
  (t) => [
    primaryKey({ name: "agent_daily_stats_pkey", columns: [t.agentId, t.day] }),
    index("agent_daily_stats_day_idx").on(t.day),
    check("agent_daily_stats_nonnegative", sql`${t.downloads} >= 0 and ${t.starsAdded} >= 0 and ${t.starsRemoved} >= 0`),
  ],
);

/**
 * How far each rollup got, one row per source (e.g. 'download_events', 'star_events'): by id,
 * by time, or both, as the rollup chooses.
 */
export const rollupWatermarks = pgTable("rollup_watermarks", {
  name: text("name").primaryKey(),
  lastEventId: bigint("last_event_id", { mode: "number" }),
  rolledUpUntil: tstz("rolled_up_until"),
  updatedAt: updatedAt(),
});

/** Trending scores computed by the schedule: the window vs the previous window of equal length. */
export const agentTrends = pgTable(
  "agent_trends",
  {
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    timeframe: text("timeframe", { enum: TREND_TIMEFRAMES }).notNull(),
    trendScore: doublePrecision("trend_score").notNull(),
    downloadsCurrent: integer("downloads_current").notNull().default(0),
    downloadsPrevious: integer("downloads_previous").notNull().default(0),
    starsCurrent: integer("stars_current").notNull().default(0),
    starsPrevious: integer("stars_previous").notNull().default(0),
    computedAt: tstz("computed_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "agent_trends_pkey", columns: [t.agentId, t.timeframe] }),
    index("agent_trends_timeframe_score_idx").on(t.timeframe, t.trendScore),
    check("agent_trends_timeframe_check", sql`${t.timeframe} in ('hour', 'day', 'week', 'month')`),
    check("agent_trends_score_range", sql`${t.trendScore} between 0 and 1`),
  ],
);

export type DownloadEvent = typeof downloadEvents.$inferSelect;
export type NewDownloadEvent = typeof downloadEvents.$inferInsert;
export type AgentDailyStat = typeof agentDailyStats.$inferSelect;
export type NewAgentDailyStat = typeof agentDailyStats.$inferInsert;
export type RollupWatermark = typeof rollupWatermarks.$inferSelect;
export type NewRollupWatermark = typeof rollupWatermarks.$inferInsert;
export type AgentTrend = typeof agentTrends.$inferSelect;
export type NewAgentTrend = typeof agentTrends.$inferInsert;
