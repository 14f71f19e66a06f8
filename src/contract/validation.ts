import { z } from "zod";
import { agentSlugInput, timestamp } from "./common.ts";
import { exampleValidationReport } from "./examples.ts";
import { text } from "./text.ts";

/** The validation vocabulary: one definition, used by the tables, the checks and the API. */

export const VALIDATION_STATUSES = ["pending", "running", "passed", "failed", "error"] as const;
export type ValidationStatus = (typeof VALIDATION_STATUSES)[number];

export const VALIDATION_CHECKS = ["archive", "security", "quality", "compatibility", "tests"] as const;
export type CheckName = (typeof VALIDATION_CHECKS)[number];

export const CHECK_STATUSES = ["passed", "failed", "skipped", "error"] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

const ISSUE_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof ISSUE_SEVERITIES)[number];

export const validationStatus = z.enum(VALIDATION_STATUSES);

const validationIssue = z.object({
  severity: z.enum(ISSUE_SEVERITIES),
  code: z.string().describe("Stable machine-readable code, e.g. aws_access_key, ruff:F401, bandit:B602"),
  message: z.string(),
  file: z.string().optional().describe("Path relative to the agent root"),
  line: z.number().int().nonnegative().optional(),
});

export type ValidationIssue = z.infer<typeof validationIssue>;

const validationCheck = z.object({
  name: z.enum(VALIDATION_CHECKS),
  status: z.enum(CHECK_STATUSES),
  duration_ms: z.number().int().nonnegative(),
  summary: z.string(),
  score: z.number().optional(),
  issues: z.array(validationIssue).describe("Most severe first within each file; `issues_limit` and `issues_offset` page through them"),
  issues_total: z.number().int().describe("Issues this check stored (at most 200: the rest are counted in one `more_issues` issue)"),
});

export const validationReport = z
  .object({
    agent_slug: z.string(),
    version: z.string(),
    status: validationStatus,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    duration_ms: z.number().int().nonnegative().nullable(),
    checks: z.array(validationCheck).describe("Empty while the version is pending"),
  })
  .meta({ id: "ValidationReport", examples: [exampleValidationReport] });

export const validationInput = agentSlugInput.extend({
  version: text().min(1).max(100).optional().describe("Defaults to the current version"),
  issues_limit: z.coerce.number().int().min(1).max(200).default(200).describe("Issues per check in this answer, 1..200"),
  issues_offset: z.coerce.number().int().min(0).default(0).describe("Issues of each check to skip"),
});

export type ValidationReport = z.infer<typeof validationReport>;
type PageOfIssues = "issues_limit" | "issues_offset";
/** Callers other than the router may leave the page of issues to its defaults. */
export type ValidationInput = Omit<z.infer<typeof validationInput>, PageOfIssues> & Partial<Pick<z.infer<typeof validationInput>, PageOfIssues>>;
