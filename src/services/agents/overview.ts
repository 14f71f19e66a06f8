import type { AgentDetailTool, ValidationSummary } from "../../contract/mcp.ts";
import { DomainError } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";
import { readAgentDocs } from "../downloads/agent-docs.ts";
import { getAgent } from "./agents.ts";
import { getValidationReport } from "./versions.ts";

/** The README is cut here in an overview; the resource `agent://{slug}` carries all of it. */
const README_CHARS = 16_000;
const TOP_ISSUES = 3;

/**
 * One agent as an assistant needs it (the MCP tool get_agent): the detail REST answers, the
 * current version's validation in brief, and its README. Each part goes through the service
 * REST uses, so visibility and quarantine rules are theirs. A README that cannot be read
 * (quarantined for this caller, storage down) leaves the overview without it rather than failing.
 */
export async function getAgentOverview(ctx: ServiceContext, input: { slug: string }): Promise<AgentDetailTool> {
  const detail = await getAgent(ctx, input);
  if (detail.current_version === null) return { ...detail, validation: null, readme: null };
  const version = detail.current_version;
  const [report, readme] = await Promise.all([
    getValidationReport(ctx, { slug: detail.slug, version, issues_limit: TOP_ISSUES }),
    readAgentDocs(ctx, { slug: detail.slug, version }).then(
      (docs) => docs.readme?.text ?? null,
      (error: unknown) => {
        if (!(error instanceof DomainError && error.status < 500)) ctx.logger.warn({ err: error, slug: detail.slug }, "README unavailable for an overview");
        return null;
      },
    ),
  ]);
  const validation: ValidationSummary = {
    version: report.version,
    status: report.status,
    finished_at: report.finished_at,
    checks: report.checks.map(({ issues, duration_ms: _, ...check }) => ({ ...check, top_issues: issues })),
  };
  return { ...detail, validation, readme: readme === null ? null : shorten(readme, detail.slug) };
}

function shorten(readme: string, slug: string): string {
  if (readme.length <= README_CHARS) return readme;
  return `${readme.slice(0, README_CHARS)}\n\n[…cut at ${README_CHARS} characters; read the resource agent://${slug} for the whole README]`;
}
