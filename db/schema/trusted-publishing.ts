import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, unique, varchar } from "drizzle-orm/pg-core";
import type { Provenance } from "../../src/contract/provenance.ts";
import { createdAt, tstz } from "./_columns.ts";
import { agents } from "./agents.ts";
import { users } from "./users.ts";

/**
 * Trusted publishing (PyPI's model): a CI workflow named here may exchange its OIDC ID token for
 * a short-lived token that publishes new versions of this agent. Repository and workflow are
 * stored lower-cased (GitHub compares them case-insensitively); no environment means any.
 */
export const trustedPublishers = pgTable(
  "trusted_publishers",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    provider: text("provider", { enum: ["github"] }).notNull(),
    repository: varchar("repository", { length: 200 }).notNull(),
    workflow: varchar("workflow", { length: 255 }).notNull(),
    environment: varchar("environment", { length: 255 }),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    unique("trusted_publishers_identity_unique").on(t.agentId, t.provider, t.repository, t.workflow, t.environment).nullsNotDistinct(),
    index("trusted_publishers_repository_idx").on(t.provider, t.repository),
    check("trusted_publishers_provider_check", sql`${t.provider} in ('github')`),
  ],
);

/**
 * What a trusted publisher receives for an ID token: a bearer secret (only its hash stored),
 * valid 15 minutes, that may publish new versions of `agent_ids` and nothing else.
 */
export const publishTokens = pgTable(
  "publish_tokens",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    tokenHash: text("token_hash").notNull().unique("publish_tokens_token_hash_unique"),
    agentIds: integer("agent_ids").array().notNull(),
    /** The provenance every version published with this token records (one per agent: publisher ids differ). */
    provenance: jsonb("provenance").$type<Record<string, Provenance>>().notNull(),
    expiresAt: tstz("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("publish_tokens_expires_at_idx").on(t.expiresAt)],
);

/** ID tokens already exchanged, kept until they expire, so a replayed token is refused on every instance. */
export const usedOidcTokens = pgTable(
  "used_oidc_tokens",
  {
    /** issuer + " " + jti */
    key: text("key").primaryKey(),
    expiresAt: tstz("expires_at").notNull(),
  },
  (t) => [index("used_oidc_tokens_expires_at_idx").on(t.expiresAt)],
);

export type TrustedPublisher = typeof trustedPublishers.$inferSelect;
