import type { Severity, ValidationIssue } from "../../contract/validation.ts";
import type { SandboxLimit, SandboxRunResult } from "../../lib/sandbox/sandbox.ts";

/**
 * A sandboxed run that ran into a limit proves nothing (a fork bomb whose forks were refused can
 * still answer ping): each limit hit is a finding. The wall clock is left out here because every
 * caller already reports its own timeout.
 */
const WHAT: Record<Exclude<SandboxLimit, "wall_clock">, string> = {
  processes: "the process limit (forks were refused)",
  memory: "the memory limit",
  cpu: "the CPU time limit",
  output: "the output cap (the rest of its output was dropped)",
};

export function limitIssues(run: SandboxRunResult, who: string, severity: Severity = "high", file?: string): ValidationIssue[] {
  return run.limitsHit
    .filter((limit): limit is Exclude<SandboxLimit, "wall_clock"> => limit !== "wall_clock")
    .map((limit) => ({ severity, code: `sandbox_limit_${limit}`, message: `${who} hit ${WHAT[limit]}`, ...(file === undefined ? {} : { file }) }));
}
