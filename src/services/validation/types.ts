/**
 * Shapes shared by the validation checks; they mirror ValidationReport in section 2 of the REST
 * contract (`checks[]`), in camelCase (the job maps durationMs to duration_ms when storing).
 */
import type { CheckName, CheckStatus, Severity, ValidationIssue } from "../../contract/validation.ts";
import type { SandboxAvailability } from "../../lib/sandbox/sandbox.ts";

export interface CheckResult {
  name: CheckName;
  status: CheckStatus;
  durationMs: number;
  summary: string;
  /** 0..1 where the check grades rather than only passes (quality). */
  score?: number;
  issues: ValidationIssue[];
}

/** A check's verdict before the runner adds its name and duration. */
export type CheckOutcome = Omit<CheckResult, "name" | "durationMs">;

/** One regular file of the unpacked agent. */
export interface AgentFile {
  /** Relative to the agent root, "/"-separated. */
  path: string;
  size: number;
}

/** The unpacked package the checks after `archive` look at. */
export interface AgentPackage {
  /** Host directory holding the agent's files (mode 0755, readable by the sandbox). */
  root: string;
  files: AgentFile[];
}

/** What the executing checks need besides the package. */
export interface ExecutionContext {
  sandbox: SandboxAvailability;
  timeoutMs: number;
  /** The job's signal: aborting kills whatever runs in the sandbox. */
  signal?: AbortSignal;
}

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function isBlocking(issue: ValidationIssue): boolean {
  return SEVERITY_RANK[issue.severity] >= SEVERITY_RANK.high;
}

export function skipped(summary: string): CheckOutcome {
  return { status: "skipped", summary, issues: [] };
}
