/**
 * The validation pipeline of contract section 8: archive -> security -> quality ->
 * compatibility -> tests, on one uploaded zip, in a private temp dir removed afterwards.
 *
 * - When `archive` does not pass, nothing was unpacked and every later check is `skipped`.
 * - An exception inside a check makes that check `error` (with the message as an issue); the
 *   pipeline carries on with the next one.
 * - Checks that execute uploaded code (compatibility, tests, and bandit inside security) need
 *   the sandbox; without it they are `skipped` with the reason, never run unconfined.
 * - Outcome: `failed` when any check failed (a verdict on the package stands even if another
 *   check hit an error), else `error` when any check errored or was skipped for want of the
 *   sandbox (worth retrying once it is installed), else `passed`. `passed` means every check
 *   ran; checks skipped as not applicable (nothing to grade) do not hold a version back.
 * The caller (jobs/validate-version.ts) stores the checks and updates the version and agent.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { CheckName, ValidationStatus as ContractValidationStatus } from "../../contract/validation.ts";
import { type SandboxAvailability, sandboxAvailable } from "../../lib/sandbox/sandbox.ts";
import { createSandboxWorkDir } from "../../lib/sandbox/work-dirs.ts";
import { checkArchive } from "./archive.ts";
import type { ArchiveLimits } from "./archive-policy.ts";
import { checkCompatibility } from "./compatibility.ts";
import { capIssues } from "./issue-caps.ts";
import { readVersionMetadata, type VersionMetadata } from "./metadata.ts";
import { checkQuality } from "./quality.ts";
import { scrubOutcome } from "./scrub.ts";
import { checkSecurity } from "./security.ts";
import { checkTests } from "./tests.ts";
import { type AgentPackage, type CheckOutcome, type CheckResult, skipped } from "./types.ts";

export interface ValidationOptions {
  /** Parent of the private temp dir (default: the OS temp dir). The sandbox runs as nobody when
   * we are root, so this and its ancestors must be traversable by others (o+x). */
  tempParent?: string;
  archiveLimits?: Partial<ArchiveLimits>;
  /** Wall-clock limit of each protocol request (ping, unknown action). Default 30 s. */
  compatibilityTimeoutMs?: number;
  /** Wall-clock limit of each test runner (node --test, pytest). Default 120 s. */
  testsTimeoutMs?: number;
  /** Instead of probing the host, e.g. `{ ok: false, reason }` to run without a sandbox. */
  sandbox?: SandboxAvailability;
  /** Aborting stops the run: the sandboxed program is killed and the pipeline rejects. */
  signal?: AbortSignal;
  /** An empty directory the caller owns (and removes) to work in, instead of a new temp dir. */
  workDir?: string;
  /** Called once per check, in order, as soon as it is done (metrics). Errors are ignored. */
  onCheckDone?: (name: CheckName, durationMs: number, result: CheckResult) => void;
}

/** A finished run ends in one of these (see ValidationStatus in the contract). */
type ValidationStatus = Extract<ContractValidationStatus, "passed" | "failed" | "error">;

export interface ValidationOutcome {
  status: ValidationStatus;
  checks: CheckResult[];
  /** The package's own tests ran and passed. */
  tested: boolean;
  securityScanPassed: boolean;
  /** The quality check's score, null when it did not grade. */
  qualityScore: number | null;
  /** README and manifest fields, read when the archive unpacked (undefined: not read). */
  metadata?: VersionMetadata;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
}

const VALIDATION_DEFAULTS = {
  compatibilityTimeoutMs: 30_000,
  testsTimeoutMs: 120_000,
} as const;

export async function runValidation(zip: string | Uint8Array, options: ValidationOptions = {}): Promise<ValidationOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  const sandbox = options.sandbox ?? (await sandboxAvailable());
  const { signal } = options;
  const protocol = { sandbox, signal, timeoutMs: options.compatibilityTimeoutMs ?? VALIDATION_DEFAULTS.compatibilityTimeoutMs };
  const testRun = { sandbox, signal, timeoutMs: options.testsTimeoutMs ?? VALIDATION_DEFAULTS.testsTimeoutMs };
  const checks: CheckResult[] = [];
  const record = (result: CheckResult) => {
    checks.push(result);
    try {
      options.onCheckDone?.(result.name, result.durationMs, result);
    } catch {
      // Metrics must never change a verdict.
    }
  };

  const workDir = options.workDir ?? (await createSandboxWorkDir(options.tempParent));
  const found: { metadata?: VersionMetadata } = {};
  let sandboxNeeded = false;
  try {
    const unpacked: { agent: AgentPackage | null } = { agent: null };
    record(
      await runCheck(
        "archive",
        async () => {
          const result = await checkArchive(zip, join(workDir, "agent"), options.archiveLimits);
          unpacked.agent = result.agent;
          return result.outcome;
        },
        signal,
      ),
    );
    const agent = unpacked.agent;
    // Read before anything runs the package; a manifest we cannot read is no verdict on it.
    const metadata = agent ? await readVersionMetadata(agent).catch(() => undefined) : undefined;
    // Past the archive check, security (bandit), compatibility and tests execute the package.
    sandboxNeeded = agent !== null;
    const steps: [CheckName, (agent: AgentPackage) => Promise<CheckOutcome>][] = [
      ["security", (a) => checkSecurity(a, protocol)],
      ["quality", (a) => checkQuality(a)],
      ["compatibility", (a) => checkCompatibility(a, protocol)],
      ["tests", (a) => checkTests(a, testRun)],
    ];
    for (const [name, check] of steps) {
      signal?.throwIfAborted();
      record(agent ? await runCheck(name, () => check(agent), signal) : { name, durationMs: 0, ...skipped("Not run: the archive check did not pass") });
    }
    found.metadata = metadata;
  } finally {
    if (options.workDir === undefined) await rm(workDir, { recursive: true, force: true });
  }
  signal?.throwIfAborted();

  const byName = (name: CheckName) => checks.find((check) => check.name === name);
  const sandboxSkipped = sandboxNeeded && !sandbox.ok;
  const status: ValidationStatus = checks.some((c) => c.status === "failed")
    ? "failed"
    : checks.some((c) => c.status === "error") || sandboxSkipped
      ? "error"
      : "passed";
  return {
    status,
    checks,
    tested: byName("tests")?.status === "passed",
    securityScanPassed: byName("security")?.status === "passed",
    qualityScore: byName("quality")?.score ?? null,
    ...(found.metadata ? { metadata: found.metadata } : {}),
    startedAt,
    finishedAt: new Date(),
    durationMs: Math.round(performance.now() - started),
  };
}

async function runCheck(name: CheckName, check: () => Promise<CheckOutcome>, signal?: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  let outcome: CheckOutcome;
  try {
    outcome = await check();
  } catch (error) {
    // A stopped run is not a verdict on the package.
    if (signal?.aborted) throw signal.reason;
    const message = error instanceof Error ? error.message : String(error);
    outcome = {
      status: "error",
      summary: `The ${name} check could not complete: ${message}`,
      issues: [{ severity: "medium", code: "internal_error", message }],
    };
  }
  return { name, durationMs: Math.round(performance.now() - started), ...scrubOutcome(capIssues(outcome)) };
}
