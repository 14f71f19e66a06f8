import { sql } from "drizzle-orm";
import { bigint, boolean, check, index, integer, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { USER_ROLES } from "../../src/contract/users.ts";
import { createdAt, tstz, updatedAt } from "./_columns.ts";

export const users = pgTable(
  "users",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    /** Null only for accounts made by `bootstrap-admin --create` before their first login. */
    githubId: bigint("github_id", { mode: "number" }).unique("users_github_id_unique"),
    /** GitHub login; follows GitHub on every login. Unique case-insensitively. */
    username: varchar("username", { length: 100 }).notNull(),
    email: text("email"),
    avatarUrl: text("avatar_url"),
    bio: text("bio"),
    reputation: integer("reputation").notNull().default(0),
    role: text("role", { enum: USER_ROLES }).notNull().default("user"),
    isActive: boolean("is_active").notNull().default(true),
    isBlocked: boolean("is_blocked").notNull().default(false),
    blockedReason: text("blocked_reason"),
    blockedAt: tstz("blocked_at"),
    /** Where validation notifications go (HMAC-signed with webhook_secret). */
    webhookUrl: text("webhook_url"),
    webhookSecret: text("webhook_secret"),
    /** Last login or (throttled) authenticated request; feeds `users.active_this_month`. */
    lastActiveAt: tstz("last_active_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_username_lower_unique").on(sql`lower(${t.username})`),
    // /search finds people by part of their name, typos included.
    index("users_username_trgm_idx").using("gin", sql`lower(${t.username}) gin_trgm_ops`),
    index("users_created_at_idx").on(t.createdAt, t.id),
    index("users_last_active_at_idx").on(t.lastActiveAt),
    check("users_role_check", sql`${t.role} in ('user', 'admin')`),
    check("users_username_not_empty", sql`length(${t.username}) > 0`),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
