import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  char,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  unique,
  varchar,
} from "drizzle-orm/pg-core";
import type { Provenance } from "../../src/contract/provenance.ts";
import { VALIDATION_STATUSES } from "../../src/contract/validation.ts";
import { createdAt, tstz, tsvector, updatedAt } from "./_columns.ts";
import { categories } from "./categories.ts";
import { users } from "./users.ts";

/**
 * Counters (downloads, stars, rating_sum, review_count) are changed with relative updates in the
 * same transaction as the event row, so they never drift. `rating` is generated from
 * rating_sum / review_count: the exact mean, rounded to 2 decimals, with nothing to keep in sync.
 * Deleting an agent is a hard delete; its blobs are queued in storage_deletions in the same
 * transaction. List queries order by `<key> DESC, id DESC`: the indexes below are ascending and
 * scanned backwards (drizzle's `.desc()` adds NULLS LAST, which a plain `ORDER BY x DESC` can't use).
 */
export const agents = pgTable(
  "agents",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: varchar("name", { length: 255 }).notNull(),
    slug: varchar("slug", { length: 300 }).notNull().unique("agents_slug_unique"),
    description: text("description").notNull(),
    authorId: integer("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Null = "uncategorized". Restrict: a category with agents cannot be deleted. */
    categoryId: integer("category_id").references(() => categories.id, { onDelete: "restrict" }),
    isPublic: boolean("is_public").notNull().default(true),
    isValidated: boolean("is_validated").notNull().default(false),
    downloads: bigint("downloads", { mode: "number" }).notNull().default(0),
    stars: integer("stars").notNull().default(0),
    ratingSum: integer("rating_sum").notNull().default(0),
    reviewCount: integer("review_count").notNull().default(0),
    rating: numeric("rating", { precision: 3, scale: 2, mode: "number" })
      .notNull()
      .generatedAlwaysAs(sql`case when review_count > 0 then round(rating_sum::numeric / review_count, 2) else 0 end`),
    /** Highest semver version that passed validation, else the newest; kept by publish and validation. */
    currentVersionId: integer("current_version_id").references((): AnyPgColumn => agentVersions.id, { onDelete: "set null" }),
    /** The current version's keywords, space-separated, so they weigh in search_vector; kept by refreshCurrentVersion. */
    searchKeywords: text("search_keywords").notNull().default(""),
    /** Set while the agent is deprecated (the author's message, and an optional replacement slug). */
    deprecatedAt: tstz("deprecated_at"),
    deprecationMessage: text("deprecation_message"),
    deprecationReplacement: varchar("deprecation_replacement", { length: 300 }),
    /**
     * Full-text search document: the name weighs more (A) than the description (B). The
     * 'simple' configuration keeps agent names as written (no stemming of product names).
     */
    searchVector: tsvector("search_vector")
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('simple', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B') || setweight(to_tsvector('simple', coalesce(search_keywords, '')), 'B')`,
      ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("agents_search_vector_gin_idx").using("gin", t.searchVector),
    index("agents_name_trgm_idx").using("gin", sql`lower(${t.name}) gin_trgm_ops`),
    // Search suggestions: names starting with what is typed.
    index("agents_name_prefix_idx").using("btree", sql`lower(${t.name}) text_pattern_ops`),
    index("agents_created_at_idx").on(t.createdAt, t.id),
    index("agents_downloads_idx").on(t.downloads, t.stars, t.id),
    index("agents_stars_idx").on(t.stars, t.id),
    index("agents_rating_idx").on(t.rating, t.id),
    index("agents_name_idx").on(t.name, t.id),
    index("agents_category_id_created_at_idx").on(t.categoryId, t.createdAt),
    index("agents_author_id_created_at_idx").on(t.authorId, t.createdAt),
    index("agents_current_version_id_idx").on(t.currentVersionId),
    check("agents_slug_format", sql`${t.slug} <> '' and ${t.slug} !~ '[/[:space:]]'`),
    check("agents_downloads_nonnegative", sql`${t.downloads} >= 0`),
    check("agents_stars_nonnegative", sql`${t.stars} >= 0`),
    check("agents_rating_sum_range", sql`${t.reviewCount} >= 0 and ${t.ratingSum} between ${t.reviewCount} and 5 * ${t.reviewCount}`),
    check("agents_rating_range", sql`${t.rating} between 0 and 5`),
  ],
);

/**
 * One published version; immutable once published except for its validation outcome.
 * Semver parts are stored so "newest first" is an ORDER BY:
 *   major DESC, minor DESC, patch DESC, (prerelease IS NULL) DESC, prerelease DESC.
 */
export const agentVersions = pgTable(
  "agent_versions",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    agentId: integer("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    version: varchar("version", { length: 100 }).notNull(),
    major: integer("major").notNull(),
    minor: integer("minor").notNull(),
    patch: integer("patch").notNull(),
    /** The part after `-` (without build metadata); null for a release. */
    prerelease: varchar("prerelease", { length: 100 }),
    changelog: text("changelog"),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    sha256: char("sha256", { length: 64 }).notNull(),
    /** Object key in storage (staging prefix until validation passes), or an external http(s) URL. */
    storageKey: text("storage_key").notNull(),
    validationStatus: text("validation_status", { enum: VALIDATION_STATUSES }).notNull().default("pending"),
    tested: boolean("tested").notNull().default(false),
    securityScanPassed: boolean("security_scan_passed").notNull().default(false),
    qualityScore: doublePrecision("quality_score"),
    validationStartedAt: tstz("validation_started_at"),
    validationFinishedAt: tstz("validation_finished_at"),
    /**
     * Set when the archive or security check failed with a high or critical finding: the version
     * is quarantined (only its author and admins download it; never the current version).
     */
    quarantineReason: text("quarantine_reason"),
    /** PEP 592: a yanked version is skipped when "latest" is resolved but stays installable by its exact version. */
    yankedAt: tstz("yanked_at"),
    yankedReason: text("yanked_reason"),
    /** Read from the archive by validation (README.md, size-capped; agent.json / package.json / pyproject.toml). */
    readme: text("readme"),
    license: varchar("license", { length: 200 }),
    repositoryUrl: text("repository_url"),
    homepageUrl: text("homepage_url"),
    keywords: text("keywords").array().notNull().default(sql`'{}'::text[]`),
    /** How it was published: a user and token, or a trusted publisher with its CI claims. Null for versions older than provenance. */
    provenance: jsonb("provenance").$type<Provenance>(),
    publishedAt: tstz("published_at").notNull().defaultNow(),
  },
  (t) => [
    unique("agent_versions_agent_id_version_unique").on(t.agentId, t.version),
    index("agent_versions_semver_idx").on(t.agentId, t.major, t.minor, t.patch),
    // The schedule re-enqueues versions stuck in pending/running.
    index("agent_versions_unfinished_idx").on(t.validationStatus, t.publishedAt).where(sql`${t.validationStatus} in ('pending', 'running')`),
    index("agent_versions_storage_key_idx").on(t.storageKey),
    // Every visibility check asks whether an agent's current version is quarantined: few are, and
    // without this index each list, count and search scans every version to find none.
    index("agent_versions_quarantined_idx").on(t.id).where(sql`${t.quarantineReason} is not null`),
    check("agent_versions_validation_status_check", sql`${t.validationStatus} in ('pending', 'running', 'passed', 'failed', 'error')`),
    check("agent_versions_semver_nonnegative", sql`${t.major} >= 0 and ${t.minor} >= 0 and ${t.patch} >= 0`),
    check("agent_versions_prerelease_not_empty", sql`${t.prerelease} <> ''`),
    check("agent_versions_size_nonnegative", sql`${t.sizeBytes} >= 0`),
    check("agent_versions_sha256_hex", sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check("agent_versions_quality_score_range", sql`${t.qualityScore} between 0 and 1`),
  ],
);

export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;
export type AgentVersion = typeof agentVersions.$inferSelect;
export type NewAgentVersion = typeof agentVersions.$inferInsert;
