import { z } from "zod";
import { agentSlugInput, page, paginationInput, timestamp, userSummary } from "./common.ts";
import { exampleAgent, exampleAgentSummary, exampleAgentVersion, exampleDownloadUrl, examplePublishedAgent } from "./examples.ts";
import { deprecation, packageMetadata } from "./lifecycle.ts";
import { provenance } from "./provenance.ts";
import { parseSemver } from "./semver.ts";
import { displayName, text } from "./text.ts";
import { validationStatus } from "./validation.ts";

export const agentSummary = z
  .object({
    id: z.number().int().nonnegative(),
    name: z.string(),
    slug: z.string(),
    description: z.string(),
    author: userSummary,
    category: z.string().describe('Category slug, or "uncategorized"'),
    current_version: z.string().nullable().describe("Highest semver version whose validation passed, else the newest"),
    downloads: z.number().int().nonnegative(),
    stars: z.number().int().nonnegative(),
    rating: z.number().describe("Exact mean of the reviews, 2 decimals; 0 without reviews"),
    is_public: z.boolean(),
    is_validated: z.boolean(),
    validation_status: validationStatus.describe("Of the current version"),
    deprecated: deprecation,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "AgentSummary", examples: [exampleAgentSummary] });

export const agentVersion = z
  .object({
    id: z.number().int().nonnegative(),
    agent_id: z.number().int().nonnegative(),
    version: z.string(),
    changelog: z.string().nullable(),
    size_bytes: z.number().int().nonnegative(),
    sha256: z.string(),
    tested: z.boolean(),
    security_scan_passed: z.boolean(),
    quality_score: z.number().nullable().describe("0..1, null until the quality check ran"),
    validation_status: validationStatus,
    quarantined: z.boolean().describe("Failed the archive or security check with a high or critical finding: only its author and admins can download it"),
    quarantine_reason: z.string().nullable().describe("Why, when quarantined"),
    yanked: z.boolean().describe("PEP 592: skipped when the latest version is resolved; still downloadable by its exact version, with a Warning header"),
    yanked_reason: z.string().nullable(),
    yanked_at: timestamp.nullable(),
    metadata: packageMetadata,
    has_readme: z.boolean().describe("A README.md was found in the archive: GET /agents/{slug}/versions/{version}/readme"),
    provenance,
    published_at: timestamp,
  })
  .meta({ id: "AgentVersion", examples: [exampleAgentVersion] });

export const agentDetail = agentSummary
  .extend({
    metadata: packageMetadata.describe("Read from the current version's archive"),
    has_readme: z.boolean().describe("The current version has a README: GET /agents/{slug}/readme"),
    versions: z.array(agentVersion).describe("Newest semver first"),
  })
  .meta({ id: "Agent", examples: [exampleAgent] });

/** What a multipart publish answers (202). */
export const publishedAgent = agentDetail
  .extend({ message: z.string().describe('"Agent submitted for validation"') })
  .meta({ id: "PublishedAgent", examples: [examplePublishedAgent] });

export const agentSort = z.enum(["created_at", "downloads", "stars", "rating", "name"]);

const sortInput = agentSort.default("created_at").describe("created_at, downloads, stars and rating sort newest/highest first; name A to Z");

export const listAgentsInput = paginationInput.extend({
  category: text().trim().min(1).max(100).optional().describe('Category slug; "uncategorized" for agents without one'),
  sort: sortInput,
});

export const categoryAgentsInput = paginationInput.extend({
  slug: text().min(1).max(100).describe("Category slug"),
  sort: sortInput,
});

export const agentPage = page(agentSummary);

export const updateAgentInput = agentSlugInput.extend({
  name: displayName().min(3).max(255).optional().describe("The slug stays as it is, so links keep working"),
  description: text().trim().min(10).max(10_000).optional(),
  category: text().trim().min(1).max(100).optional().describe('Slug or name, case-insensitive; "uncategorized" removes it'),
  is_public: z.boolean().optional(),
});

const semverString = text()
  .trim()
  .min(1)
  .max(100)
  .refine((value) => parseSemver(value) !== null, "Version must be semver, e.g. 1.2.3 or 1.2.3-beta.1");

const formBoolean = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"])])
  .transform((value) => value === true || value === "true" || value === "1" || value === "yes" || value === "on");

const optionalText = (max: number) =>
  text()
    .max(max)
    .optional()
    .transform((value) => (value === undefined || value.trim() === "" ? null : value));

/** The text fields of a multipart publish; `code` (the zip) travels beside them. */
export const publishAgentFields = z.object({
  name: displayName().min(3).max(255),
  description: text().trim().min(10).max(10_000),
  category: text().trim().min(1).max(100).describe("Slug or name, case-insensitive; must exist"),
  version: semverString,
  changelog: optionalText(10_000),
  is_public: formBoolean.default(true),
});

export const publishVersionFields = z.object({
  version: semverString,
  changelog: optionalText(10_000),
});

export const versionList = z.object({
  items: z.array(agentVersion).describe("Newest semver first"),
  versions: z.array(agentVersion).describe("The same list as `items`, for older clients"),
  total: z.number().int().nonnegative(),
});

export const versionInput = agentSlugInput.extend({ version: text().min(1).max(100).describe("Version string, e.g. 1.2.3") });

/** `?redirect=` of the download routes: answer 302 to a signed URL instead of streaming. */
export const downloadRedirect = z.enum(["true", "false", "1", "0", ""]).optional().describe("true: answer 302 to a signed URL instead of streaming");

export const downloadUrl = z
  .object({
    url: z.string().describe("Presigned storage URL (or app-signed file URL); an external URL as stored"),
    expires_in: z.number().int().nonnegative().nullable().describe("Seconds the URL stays valid; null for an external URL"),
    sha256: z.string(),
    size_bytes: z.number().int().nonnegative(),
    version: z.string(),
  })
  .meta({ id: "DownloadUrl", examples: [exampleDownloadUrl] });

export type AgentSummary = z.infer<typeof agentSummary>;
export type AgentVersion = z.infer<typeof agentVersion>;
export type AgentDetail = z.infer<typeof agentDetail>;
export type PublishedAgent = z.infer<typeof publishedAgent>;
export type AgentSort = z.infer<typeof agentSort>;
export type ListAgentsInput = z.infer<typeof listAgentsInput>;
export type CategoryAgentsInput = z.infer<typeof categoryAgentsInput>;
export type AgentPage = z.infer<typeof agentPage>;
export type UpdateAgentInput = z.infer<typeof updateAgentInput>;
export type PublishAgentFields = z.infer<typeof publishAgentFields>;
export type PublishVersionFields = z.infer<typeof publishVersionFields>;
export type VersionList = z.infer<typeof versionList>;
export type DownloadUrl = z.infer<typeof downloadUrl>;
