import { sql } from "drizzle-orm";
import { check, doublePrecision, integer, jsonb, pgTable, text, unique } from "drizzle-orm/pg-core";
import { CHECK_STATUSES, VALIDATION_CHECKS, type ValidationIssue } from "../../src/contract/validation.ts";
import { createdAt } from "./_columns.ts";
import { agentVersions } from "./agents.ts";

/** One row per check of a version's latest validation run; a re-validation upserts them. */
export const validationResults = pgTable(
  "validation_results",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    versionId: integer("version_id")
      .notNull()
      .references(() => agentVersions.id, { onDelete: "cascade" }),
    checkName: text("check_name", { enum: VALIDATION_CHECKS }).notNull(),
    status: text("status", { enum: CHECK_STATUSES }).notNull(),
    durationMs: integer("duration_ms").notNull().default(0),
    summary: text("summary").notNull().default(""),
    /** Check-specific score (the quality check's is 0..1); null when the check has none. */
    score: doublePrecision("score"),
    issues: jsonb("issues").$type<ValidationIssue[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    unique("validation_results_version_id_check_name_unique").on(t.versionId, t.checkName),
    check("validation_results_check_name_check", sql`${t.checkName} in ('archive', 'security', 'quality', 'compatibility', 'tests')`),
    check("validation_results_status_check", sql`${t.status} in ('passed', 'failed', 'skipped', 'error')`),
    check("validation_results_duration_nonnegative", sql`${t.durationMs} >= 0`),
    check("validation_results_issues_array", sql`jsonb_typeof(${t.issues}) = 'array'`),
  ],
);

export type ValidationResult = typeof validationResults.$inferSelect;
export type NewValidationResult = typeof validationResults.$inferInsert;
