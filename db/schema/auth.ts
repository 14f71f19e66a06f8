import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, varchar } from "drizzle-orm/pg-core";
import type { ApiTokenScope } from "../../src/contract/tokens.ts";
import { createdAt, tstz } from "./_columns.ts";
import { users } from "./users.ts";

/**
 * Sessions follow Lucia's guide: opaque random tokens, only their SHA-256 stored.
 * One row per login; a refresh rotates both hashes in place and files the old refresh
 * hash in rotated_refresh_tokens, so presenting it again revokes the session.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    accessTokenHash: text("access_token_hash").notNull().unique("sessions_access_token_hash_unique"),
    refreshTokenHash: text("refresh_token_hash").notNull().unique("sessions_refresh_token_hash_unique"),
    accessExpiresAt: tstz("access_expires_at").notNull(),
    refreshExpiresAt: tstz("refresh_expires_at").notNull(),
    revokedAt: tstz("revoked_at"),
    /** Why it was revoked, e.g. logout, refresh_reuse, blocked. */
    revokedReason: text("revoked_reason"),
    userAgent: text("user_agent"),
    ip: varchar("ip", { length: 64 }),
    createdAt: createdAt(),
    lastSeenAt: tstz("last_seen_at").notNull().defaultNow(),
  },
  (t) => [
    index("sessions_user_id_idx").on(t.userId),
    // The purge schedule deletes sessions whose refresh token expired.
    index("sessions_refresh_expires_at_idx").on(t.refreshExpiresAt),
  ],
);

/** Refresh hashes that were rotated away; finding one again means the token was stolen. */
export const rotatedRefreshTokens = pgTable(
  "rotated_refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: integer("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    rotatedAt: tstz("rotated_at").notNull().defaultNow(),
  },
  (t) => [index("rotated_refresh_tokens_session_id_idx").on(t.sessionId)],
);

/** Personal API tokens (`Authorization: Bearer`), stored hashed; the secret is shown once. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    tokenHash: text("token_hash").notNull().unique("api_tokens_token_hash_unique"),
    /** The first characters of the token, shown in lists so users can tell tokens apart. */
    prefix: varchar("prefix", { length: 32 }).notNull(),
    scopes: text("scopes").array().$type<ApiTokenScope[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: tstz("last_used_at"),
    expiresAt: tstz("expires_at"),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [
    index("api_tokens_user_id_created_at_idx").on(t.userId, t.createdAt),
    check("api_tokens_scopes_check", sql`cardinality(${t.scopes}) > 0 and ${t.scopes} <@ array['read', 'publish', 'admin']::text[]`),
  ],
);

/** OAuth `state` with its PKCE verifier: kept 10 minutes, deleted when used. */
export const oauthStates = pgTable(
  "oauth_states",
  {
    state: text("state").primaryKey(),
    codeVerifier: text("code_verifier").notNull(),
    redirectUri: text("redirect_uri"),
    createdAt: createdAt(),
    expiresAt: tstz("expires_at").notNull(),
  },
  (t) => [index("oauth_states_expires_at_idx").on(t.expiresAt)],
);

export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;
export type RotatedRefreshToken = typeof rotatedRefreshTokens.$inferSelect;
export type NewRotatedRefreshToken = typeof rotatedRefreshTokens.$inferInsert;
export type ApiToken = typeof apiTokens.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;
export type OauthState = typeof oauthStates.$inferSelect;
export type NewOauthState = typeof oauthStates.$inferInsert;

/**
 * Which GitHub account a login of ADMIN_GITHUB_LOGINS was first promoted as. Logins can be
 * renamed and registered again by someone else; the GitHub id cannot, so once bound a
 * configured login promotes only that id.
 */
export const adminLoginBindings = pgTable("admin_login_bindings", {
  /** Lower-cased, as configured. */
  login: text("login").primaryKey(),
  githubId: bigint("github_id", { mode: "number" }).notNull(),
  boundAt: tstz("bound_at").notNull().defaultNow(),
});
