import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, primaryKey, smallint } from "drizzle-orm/pg-core";
import { createdAt } from "./_columns.ts";
import { agents } from "./agents.ts";
import { users } from "./users.ts";

/** Who starred what now; agents.stars is its count, kept in the same transaction. */
export const stars = pgTable(
  "stars",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "stars_pkey", columns: [t.userId, t.agentId] }),
    // A user's starred agents, newest star first.
    index("stars_user_id_created_at_idx").on(t.userId, t.createdAt),
    index("stars_agent_id_created_at_idx").on(t.agentId, t.createdAt),
  ],
);

/**
 * Every star (+1) and unstar (-1), written with the stars row change: unstars delete the stars
 * row, so trending and "stars this window" need this history. Rolled up into agent_daily_stats.
 */
export const starEvents = pgTable(
  "star_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    delta: smallint("delta").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("star_events_agent_id_created_at_idx").on(t.agentId, t.createdAt),
    index("star_events_created_at_idx").on(t.createdAt),
    // Lets a user delete set user_id null without scanning the table.
    index("star_events_user_id_idx").on(t.userId).where(sql`${t.userId} is not null`),
    check("star_events_delta_check", sql`${t.delta} in (1, -1)`),
  ],
);

export type Star = typeof stars.$inferSelect;
export type NewStar = typeof stars.$inferInsert;
export type StarEvent = typeof starEvents.$inferSelect;
export type NewStarEvent = typeof starEvents.$inferInsert;
