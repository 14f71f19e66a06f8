import { rm } from "node:fs/promises";
import { join } from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { agents, agentVersions, storageDeletions, validationResults } from "../../../db/schema/index.ts";
import { withLock } from "../../lib/locks/lock.ts";
import { createSandboxWorkDir } from "../../lib/sandbox/work-dirs.ts";
import { refreshCurrentVersion } from "../agents/versions.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";
import type { Ports } from "../ports.ts";
import { permanentArchiveKey, STAGING_PREFIX } from "../publishing/uploads.ts";
import { isExternalKey } from "../storage/deletions.ts";
import { notifyUser } from "../webhooks.ts";
import { runValidation, type ValidationOptions, type ValidationOutcome } from "./pipeline.ts";
import { type CheckResult, isBlocking } from "./types.ts";

export type RunResult = "validated" | "gone" | "already-final";

type RunOptions = { signal?: AbortSignal; pipeline?: Omit<ValidationOptions, "onCheckDone" | "signal" | "workDir"> };

/** Held (and renewed) while a version is validated, so a retry never overlaps a live run. */
const RUN_LOCK_TTL_MS = 30_000;

/** Another worker still validates this version; the job retries later and finds it final. */
class ValidationInProgress extends Error {
  constructor(versionId: number) {
    super(`Version ${versionId} is being validated by another run`);
    this.name = "ValidationInProgress";
  }
}

/**
 * The validate-version job: runs the pipeline on a version's archive and records the outcome.
 * Idempotent (delivery is at least once): a version that is gone or already final is left alone,
 * and results are replaced, never appended. The job's signal stops the run, sandbox included.
 */
export async function validateStoredVersion(ctx: ServiceContext, versionId: number, opts: RunOptions = {}): Promise<RunResult> {
  const run = await withLock(ctx.ports.locks, `validate-version:${versionId}`, RUN_LOCK_TTL_MS, ({ signal: lockLost }) =>
    validateClaimed(ctx, versionId, { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, lockLost]) : lockLost }),
  );
  if (!run.acquired) throw new ValidationInProgress(versionId);
  return run.result;
}

async function validateClaimed(ctx: ServiceContext, versionId: number, opts: RunOptions): Promise<RunResult> {
  const { logger, db, ports } = ctx;
  const claimed = await db
    .update(agentVersions)
    .set({ validationStatus: "running", validationStartedAt: new Date(), validationFinishedAt: null })
    .where(and(eq(agentVersions.id, versionId), inArray(agentVersions.validationStatus, ["pending", "running"])))
    .returning();
  const version = claimed[0];
  if (!version) {
    const [exists] = await db.select({ id: agentVersions.id }).from(agentVersions).where(eq(agentVersions.id, versionId));
    return exists ? "already-final" : "gone";
  }
  // Cached answers say "pending" until the outcome: the catalog is invalidated once, below.
  const outcome = isExternalKey(version.storageKey)
    ? externalArchiveOutcome()
    : await validateArchive(ports, version.storageKey, {
        ...opts.pipeline,
        signal: opts.signal,
        onCheckDone: (name, ms, result) => {
          ports.metrics.validationChecks.inc({ check: name, status: result.status });
          if (result.status !== "skipped") ports.metrics.validationDuration.observe({ check: name }, ms / 1000);
        },
      });
  opts.signal?.throwIfAborted();

  const promoted = outcome.status === "passed" ? await promoteOrError(ctx, version, outcome) : { outcome, key: version.storageKey };
  const agentId = await recordOutcomeOrError(ctx, versionId, promoted.outcome, promoted.key, version.storageKey);
  await invalidateCatalog(ports);
  ports.metrics.validations.inc({ outcome: promoted.outcome.status });
  if (agentId === null) return "gone";
  logger.info({ version_id: versionId, status: outcome.status, duration_ms: outcome.durationMs }, "validation finished");
  await notifyAuthor(ctx, agentId, version.version, outcome).catch((err: unknown) => logger.warn({ err, version_id: versionId }, "could not queue webhook"));
  return "validated";
}

/** One private work dir holds the archive and what the pipeline unpacks from it. */
async function validateArchive(ports: Ports, key: string, options: ValidationOptions): Promise<ValidationOutcome> {
  const workDir = await createSandboxWorkDir(options.tempParent);
  try {
    const zipPath = join(workDir, "upload.zip");
    if (!(await ports.storage.saveToFile(key, zipPath))) return failedOutcome("error", `The stored archive '${key}' is missing`);
    return await runValidation(zipPath, { ...options, workDir });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * A passed archive leaves staging for its permanent, content-addressed key: one server-side
 * copy, none when this agent already has those bytes there.
 */
async function promoteArchive(ports: Ports, version: { agentId: number; sha256: string; storageKey: string }): Promise<string> {
  const key = version.storageKey;
  if (!key.startsWith(STAGING_PREFIX)) return key;
  const permanent = permanentArchiveKey(version.agentId, version.sha256);
  if (!(await ports.storage.head(permanent))) await ports.storage.copy(key, permanent);
  return permanent;
}

/**
 * A passed archive that cannot be stored at its permanent key (disk full, S3 down) must not leave
 * the version `running` until an admin retries dead jobs: the outcome is recorded as `error`
 * (retryable) with the reason, and the archive stays in staging.
 */
async function promoteOrError(
  ctx: ServiceContext,
  version: { id: number; agentId: number; sha256: string; storageKey: string },
  outcome: ValidationOutcome,
): Promise<{ outcome: ValidationOutcome; key: string }> {
  try {
    return { outcome, key: await promoteArchive(ctx.ports, version) };
  } catch (err) {
    ctx.logger.error({ err, version_id: version.id }, "could not store the validated archive; recording the validation as error");
    const reason = `The validated archive could not be stored (${err instanceof Error ? err.message.slice(0, 200) : "storage error"}); retry the validation`;
    const checks = outcome.checks.map((check) => (check.name === "archive" ? { ...check, status: "error" as const, summary: reason } : check));
    return { outcome: { ...outcome, status: "error", tested: false, securityScanPassed: false, checks }, key: version.storageKey };
  }
}

/**
 * An outcome the database refuses must not leave the version `running` for the stuck-validation
 * schedule to re-run forever: it is recorded as `error`, with the reason on each check, and the
 * archive stays in staging. Only a database that cannot take even that throws (the job retries).
 */
async function recordOutcomeOrError(
  ctx: ServiceContext,
  versionId: number,
  outcome: ValidationOutcome,
  finalKey: string,
  oldKey: string,
): Promise<number | null> {
  const quarantine = quarantineReasonOf(outcome);
  try {
    return await recordOutcome(ctx, versionId, outcome, finalKey, oldKey, quarantine);
  } catch (err) {
    ctx.logger.error({ err, version_id: versionId }, "could not record the validation outcome; recording it as error");
    const reason = `The result of this check could not be stored (${err instanceof Error ? err.message.slice(0, 200) : "database error"})`;
    const unrecordable: ValidationOutcome = {
      ...outcome,
      metadata: undefined,
      status: "error",
      tested: false,
      securityScanPassed: false,
      qualityScore: null,
      checks: outcome.checks.map((check) => ({ name: check.name, status: "error", durationMs: check.durationMs, summary: reason, issues: [] })),
    };
    return recordOutcome(ctx, versionId, unrecordable, oldKey, oldKey, quarantine);
  }
}

/** Results, version and agent change together, so no reader sees half an outcome. */
async function recordOutcome(
  ctx: ServiceContext,
  versionId: number,
  outcome: ValidationOutcome,
  finalKey: string,
  oldKey: string,
  quarantineReason: string | null,
): Promise<number | null> {
  return ctx.db.transaction(async (tx) => {
    const [version] = await tx
      .update(agentVersions)
      .set({
        validationStatus: outcome.status,
        tested: outcome.tested,
        securityScanPassed: outcome.securityScanPassed,
        qualityScore: outcome.qualityScore,
        validationStartedAt: outcome.startedAt,
        validationFinishedAt: outcome.finishedAt,
        storageKey: finalKey,
        quarantineReason,
        ...metadataColumns(outcome),
      })
      .where(eq(agentVersions.id, versionId))
      .returning({ agentId: agentVersions.agentId });
    if (!version) return null;
    await tx.delete(validationResults).where(eq(validationResults.versionId, versionId));
    if (outcome.checks.length > 0) await tx.insert(validationResults).values(outcome.checks.map((c) => toRow(versionId, c)));
    if (finalKey !== oldKey) {
      await tx.insert(storageDeletions).values({ storageKey: oldKey, reason: "staging_moved" }).onConflictDoNothing();
    }
    await tx
      .update(agents)
      .set({
        isValidated: sql`exists (select 1 from ${agentVersions} where ${agentVersions.agentId} = ${version.agentId} and ${agentVersions.validationStatus} = 'passed')`,
      })
      .where(eq(agents.id, version.agentId));
    await refreshCurrentVersion(tx, version.agentId);
    return version.agentId;
  });
}

/**
 * A version whose archive or security check failed with a high or critical finding is
 * quarantined (contract section 11); the reason names the first findings.
 */
function quarantineReasonOf(outcome: ValidationOutcome): string | null {
  const findings = outcome.checks
    .filter((check) => (check.name === "archive" || check.name === "security") && check.status === "failed")
    .flatMap((check) =>
      check.issues
        .filter(isBlocking)
        .map((issue) => `${check.name}: ${issue.message}${issue.file ? ` (${issue.file}${issue.line ? `:${issue.line}` : ""})` : ""}`),
    );
  if (findings.length === 0) return null;
  const shown = findings.slice(0, 3).join("; ");
  return findings.length > 3 ? `${shown}; and ${findings.length - 3} more` : shown;
}

function metadataColumns(outcome: ValidationOutcome) {
  const m = outcome.metadata;
  if (!m) return {};
  return { readme: m.readme, license: m.license, repositoryUrl: m.repositoryUrl, homepageUrl: m.homepageUrl, keywords: m.keywords };
}

function toRow(versionId: number, check: CheckResult) {
  return {
    versionId,
    checkName: check.name,
    status: check.status,
    durationMs: Math.max(0, Math.round(check.durationMs)),
    summary: check.summary,
    score: check.score ?? null,
    issues: check.issues,
  };
}

async function notifyAuthor(ctx: ServiceContext, agentId: number, version: string, outcome: ValidationOutcome): Promise<void> {
  const [agent] = await ctx.db.select({ authorId: agents.authorId, slug: agents.slug }).from(agents).where(eq(agents.id, agentId));
  if (!agent) return;
  await notifyUser(ctx, agent.authorId, "validation.finished", {
    agent_slug: agent.slug,
    version,
    status: outcome.status,
    checks: outcome.checks.map((c) => ({ name: c.name, status: c.status, summary: c.summary })),
  });
}

function externalArchiveOutcome(): ValidationOutcome {
  return failedOutcome("error", "Externally hosted archives are not fetched for validation");
}

function failedOutcome(status: "error", summary: string): ValidationOutcome {
  const now = new Date();
  return {
    status,
    checks: [{ name: "archive", status: "error", durationMs: 0, summary, issues: [] }],
    tested: false,
    securityScanPassed: false,
    qualityScore: null,
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
  };
}
