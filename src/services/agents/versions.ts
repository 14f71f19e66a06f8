import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import { agents, agentVersions, validationResults } from "../../../db/schema/index.ts";
import type { AgentDetail, AgentVersion, VersionList } from "../../contract/agents.ts";
import type { PackageMetadata } from "../../contract/lifecycle.ts";
import { compareSemver } from "../../contract/semver.ts";
import type { ValidationInput, ValidationIssue, ValidationReport } from "../../contract/validation.ts";
import { VALIDATION_CHECKS } from "../../contract/validation.ts";
import { NotFound } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { ServiceContext } from "../context.ts";
import { type AgentRow, findVisibleAgent, toAgentSummary } from "./queries.ts";

/** A version as read for answers: the README (up to its cap) stays in the database until asked for. */
export type VersionRow = Omit<typeof agentVersions.$inferSelect, "readme"> & { hasReadme: boolean };

const { readme: _readme, ...versionColumns } = getTableColumns(agentVersions);
export const versionRowColumns = { ...versionColumns, hasReadme: sql<boolean>`(${agentVersions.readme} is not null)` };

export function toAgentVersion(row: VersionRow): AgentVersion {
  return {
    id: row.id,
    agent_id: row.agentId,
    version: row.version,
    changelog: row.changelog,
    size_bytes: row.sizeBytes,
    sha256: row.sha256,
    tested: row.tested,
    security_scan_passed: row.securityScanPassed,
    quality_score: row.qualityScore,
    validation_status: row.validationStatus,
    quarantined: row.quarantineReason !== null,
    quarantine_reason: row.quarantineReason,
    yanked: row.yankedAt !== null,
    yanked_reason: row.yankedReason,
    yanked_at: row.yankedAt?.toISOString() ?? null,
    metadata: metadataOf(row),
    has_readme: row.hasReadme,
    provenance: row.provenance,
    published_at: row.publishedAt.toISOString(),
  };
}

function metadataOf(row: Pick<VersionRow, "license" | "repositoryUrl" | "homepageUrl" | "keywords"> | undefined): PackageMetadata {
  return { license: row?.license ?? null, repository: row?.repositoryUrl ?? null, homepage: row?.homepageUrl ?? null, keywords: row?.keywords ?? [] };
}

/** An agent's detail: its summary, the current version's metadata and every version (newest semver first). */
export function detailOf(summary: Parameters<typeof toAgentSummary>[0], versions: VersionRow[]): AgentDetail {
  const current = versions.find((v) => v.version === summary.currentVersion);
  return { ...toAgentSummary(summary), metadata: metadataOf(current), has_readme: current?.hasReadme ?? false, versions: versions.map(toAgentVersion) };
}

/** Newest semver first, with real semver precedence (numeric pre-release parts compare as numbers). */
export function bySemverDescending(a: VersionRow, b: VersionRow): number {
  return compareSemver(b, a) || b.id - a.id;
}

export async function loadVersions(db: Executor, agentId: number): Promise<VersionRow[]> {
  const rows = await db.select(versionRowColumns).from(agentVersions).where(eq(agentVersions.agentId, agentId));
  return rows.sort(bySemverDescending);
}

/**
 * Points agents.current_version_id at the highest version whose validation passed, else the
 * highest version that is not quarantined, else (every version quarantined: the agent is then
 * seen by its author and admins only) the highest. Yanked versions are never current (PEP 592):
 * when every usable version is yanked there is none. The current version's keywords go into
 * search. Call it in the transaction that changed a version (publish, validation, yank).
 */
export async function refreshCurrentVersion(db: Executor, agentId: number): Promise<void> {
  const versions = await loadVersions(db, agentId);
  const unyanked = versions.filter((v) => v.yankedAt === null);
  const usable = unyanked.filter((v) => v.quarantineReason === null);
  const everyUsableYanked = usable.length === 0 && versions.some((v) => v.quarantineReason === null);
  const current = everyUsableYanked ? undefined : (usable.find((v) => v.validationStatus === "passed") ?? usable[0] ?? unyanked[0] ?? versions[0]);
  await db
    .update(agents)
    .set({ currentVersionId: current?.id ?? null, searchKeywords: (current?.keywords ?? []).join(" ") })
    .where(eq(agents.id, agentId));
}

export async function listVersions(ctx: ServiceContext, input: { slug: string }): Promise<VersionList> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const items = (await loadVersions(ctx.db, agent.id)).map(toAgentVersion);
  return { items, versions: items, total: items.length };
}

export async function getVersion(ctx: ServiceContext, input: { slug: string; version: string }): Promise<AgentVersion> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  return toAgentVersion(await findVersionOrThrow(ctx.db, agent, input.version));
}

/** The named version, or the agent's current one when no version is named. */
export async function findVersionOrThrow(db: Executor, agent: AgentRow, version?: string): Promise<VersionRow> {
  const where =
    version === undefined
      ? and(eq(agentVersions.agentId, agent.id), eq(agentVersions.id, agent.currentVersionId ?? -1))
      : and(eq(agentVersions.agentId, agent.id), eq(agentVersions.version, version));
  const [row] = await db.select(versionRowColumns).from(agentVersions).where(where);
  if (!row) {
    throw new NotFound(version === undefined ? `Agent '${agent.slug}' has no published version` : `Version '${version}' of agent '${agent.slug}' not found`);
  }
  return row;
}

/**
 * The latest validation run of a version; a pending version answers with no checks yet. Issues
 * are sliced in the database, so a report stored before issues were capped cannot flood the API.
 */
export async function getValidationReport(ctx: ServiceContext, input: ValidationInput): Promise<ValidationReport> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const version = await findVersionOrThrow(ctx.db, agent, input.version);
  const { issues_offset: offset = 0, issues_limit: limit = 200 } = input;
  const issues = sql<
    ValidationIssue[]
  >`coalesce((select jsonb_agg(e.value order by e.ord) from jsonb_array_elements(${validationResults.issues}) with ordinality as e(value, ord) where e.ord > ${offset} and e.ord <= ${offset + limit}), '[]'::jsonb)`;
  const results = await ctx.db
    .select({
      checkName: validationResults.checkName,
      status: validationResults.status,
      durationMs: validationResults.durationMs,
      summary: validationResults.summary,
      score: validationResults.score,
      issues,
      issuesTotal: sql<number>`jsonb_array_length(${validationResults.issues})`.mapWith(Number),
    })
    .from(validationResults)
    .where(eq(validationResults.versionId, version.id))
    .orderBy(asc(validationResults.id));
  const order = (name: string) => VALIDATION_CHECKS.indexOf(name as (typeof VALIDATION_CHECKS)[number]);
  const started = version.validationStartedAt;
  const finished = version.validationFinishedAt;
  return {
    agent_slug: agent.slug,
    version: version.version,
    status: version.validationStatus,
    started_at: started?.toISOString() ?? null,
    finished_at: finished?.toISOString() ?? null,
    duration_ms: started && finished ? finished.getTime() - started.getTime() : null,
    checks: results
      .sort((a, b) => order(a.checkName) - order(b.checkName))
      .map((r) => ({
        name: r.checkName,
        status: r.status,
        duration_ms: r.durationMs,
        summary: r.summary,
        ...(r.score === null ? {} : { score: r.score }),
        issues: r.issues,
        issues_total: r.issuesTotal,
      })),
  };
}
