import { sql } from "drizzle-orm";
import { check, integer, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { createdAt, updatedAt } from "./_columns.ts";

/**
 * `agent_count` is not stored: it is counted from agents (index agents_category_id_created_at_idx),
 * so it is always exact and never drifts.
 */
export const categories = pgTable(
  "categories",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    /** Unique case-insensitively ("AI Tools" and "ai tools" are one category). */
    name: varchar("name", { length: 100 }).notNull(),
    slug: varchar("slug", { length: 100 }).notNull().unique("categories_slug_unique"),
    icon: varchar("icon", { length: 50 }),
    description: text("description"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("categories_name_lower_unique").on(sql`lower(${t.name})`),
    check("categories_slug_format", sql`${t.slug} ~ '^[a-z0-9-]+$'`),
    check("categories_name_not_empty", sql`length(${t.name}) > 0`),
  ],
);

export type Category = typeof categories.$inferSelect;
export type NewCategory = typeof categories.$inferInsert;
