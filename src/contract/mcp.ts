import { z } from "zod";
import { agentDetail, downloadUrl } from "./agents.ts";
import { categoryList } from "./categories.ts";
import { slugParam } from "./common.ts";
import { TREND_TIMEFRAMES, trending } from "./discovery.ts";
import { searchAgentsInput } from "./search.ts";
import { text } from "./text.ts";
import { validationReport } from "./validation.ts";

/**
 * The shapes of the MCP tools (/mcp). Outputs are the REST shapes or built from them; inputs are
 * the REST inputs renamed for a model (`query`, `period`), with JSON types instead of the query
 * string's coercion, since tool arguments arrive as JSON.
 */

const versionArg = text()
  .trim()
  .min(1)
  .max(100)
  .describe("A version, e.g. 1.2.3; omitted: the current version (the highest that passed validation, else the newest)");

export const searchAgentsTool = z.object({
  query: searchAgentsInput.shape.q,
  category: searchAgentsInput.shape.category,
  validated_only: z.boolean().default(false).describe("Only agents with a version that passed validation (archive, security, quality, tests)"),
  sort: searchAgentsInput.shape.sort,
  limit: z.number().int().min(1).max(50).default(10).describe("How many agents, 1..50"),
  offset: z.number().int().min(0).max(10_000).default(0).describe("Agents to skip, for the next page"),
});

export const agentSlugTool = z.object({ slug: slugParam.describe("The agent's slug, as search_agents returns it (e.g. pr-reviewer)") });

export const trendingInput = z.object({
  period: z.enum(TREND_TIMEFRAMES).default("week").describe("The window up to now (hour, day, week, month), compared with the window before it"),
  limit: z.number().int().min(1).max(50).default(10).describe("How many agents, 1..50"),
});

export const installTool = agentSlugTool.extend({ version: versionArg.optional() });

const validationCheckSummary = validationReport.shape.checks.element.omit({ issues: true, duration_ms: true }).extend({
  top_issues: validationReport.shape.checks.element.shape.issues.describe("The most severe issues of this check, at most 3"),
});

const validationSummary = validationReport
  .pick({ version: true, status: true, finished_at: true })
  .extend({ checks: z.array(validationCheckSummary).describe("Empty while the version is pending") });

export const agentDetailTool = agentDetail.extend({
  validation: validationSummary.nullable().describe("The current version's latest validation; null when the agent has no version"),
  readme: z
    .string()
    .nullable()
    .describe("The current version's README (Markdown) from its archive, shortened past 16,000 characters; null when it has none or it cannot be read"),
});

export const categoriesTool = categoryList.pick({ categories: true });

export const installInstructions = z.object({
  slug: z.string(),
  version: z.string(),
  cli: z.string().describe("Shell command that downloads, verifies (SHA-256) and unpacks the agent"),
  sdk: z.string().describe("The same with the TypeScript SDK, @agent-marketplace/client"),
  download: downloadUrl.describe("A signed URL of the archive (counted as a download), with its SHA-256 and size"),
  validation_status: agentDetail.shape.validation_status.describe("Of this version: install a version that passed when you can"),
});

/**
 * MCP wants an output schema whose root is `type: object`; a contract shape with an id would be
 * converted to a `$ref` to its definition, so the tools use an unnamed copy.
 */
export const trendingTool = trending.extend({});

export type ValidationSummary = z.infer<typeof validationSummary>;
export type AgentDetailTool = z.infer<typeof agentDetailTool>;
export type InstallInstructions = z.infer<typeof installInstructions>;
