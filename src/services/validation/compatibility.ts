/**
 * The `compatibility` check: the pytest-agents protocol (contract section 8; entry points in
 * agent-files.ts). Each request is one run of the entry point in the sandbox: the request JSON on
 * stdin, one JSON object on stdout.
 *  1. `{"action":"ping","params":{}}` must answer `status: "success"` within the time limit
 *     (30 s by default) and exit 0.
 *  2. An unknown action must answer `status: "error"` (any exit code: failing is fine, hanging
 *     or crashing without an answer is not). Not tried when ping already timed out.
 * The answer is stdout as a whole, or else its last line that is a JSON object, so agents that
 * log a line or two before answering still pass.
 */

import type { ValidationIssue } from "../../contract/validation.ts";
import { runSandboxed, type SandboxRunResult, sandboxNodeBinary } from "../../lib/sandbox/sandbox.ts";
import { findEntryPoint } from "./agent-files.ts";
import { limitIssues } from "./sandbox-limits.ts";
import { type AgentPackage, type CheckOutcome, type ExecutionContext, isBlocking, skipped } from "./types.ts";

const UNKNOWN_ACTION = "__marketplace_unknown_action__";
const PING = JSON.stringify({ action: "ping", params: {} });
const UNKNOWN = JSON.stringify({ action: UNKNOWN_ACTION, params: {} });

export async function checkCompatibility(agent: AgentPackage, context: ExecutionContext): Promise<CheckOutcome> {
  const entry = await findEntryPoint(agent);
  if (entry.kind === "none") {
    return {
      status: "failed",
      summary: `Cannot run the agent: ${entry.reason}`,
      issues: [{ severity: "high", code: "no_entry_point", message: entry.reason }],
    };
  }
  if (!context.sandbox.ok) return skipped(`Not run: ${context.sandbox.reason}`);
  if (entry.kind === "node" && !sandboxNodeBinary()) return skipped("Not run: no node binary on this host");

  const run = (stdin: string) => runSandboxed({ dir: agent.root, command: entry.command, stdin, timeoutMs: context.timeoutMs, signal: context.signal });
  const issues: ValidationIssue[] = [];
  const ping = await run(PING);
  const pingAnswer = judge(ping, "ping", "success", context.timeoutMs);
  if (pingAnswer) issues.push({ ...pingAnswer, file: entry.file });
  // The answer is what the protocol promises; a non-zero exit after it is sloppy, not broken.
  else if (ping.exitCode !== 0)
    issues.push({ severity: "medium", code: "ping_exit_code", message: `ping answered but the process exited with ${ping.exitCode}`, file: entry.file });
  issues.push(...limitIssues(ping, "ping", "high", entry.file));

  if (!ping.timedOut) {
    const unknown = await run(UNKNOWN);
    const unknownAnswer = judge(unknown, "unknown_action", "error", context.timeoutMs);
    if (unknownAnswer) issues.push({ ...unknownAnswer, file: entry.file });
    issues.push(...limitIssues(unknown, "unknown_action", "high", entry.file));
  }
  const blocking = issues.find(isBlocking);
  const summary = blocking
    ? `${entry.file} does not follow the protocol: ${blocking.message}`
    : `${entry.file} answers ping with success and an unknown action with error (ping took ${ping.durationMs} ms)`;
  return { status: blocking ? "failed" : "passed", summary, issues };
}

/** The problem with one run's answer, or null when it has the expected status. */
function judge(run: SandboxRunResult, request: string, expected: "success" | "error", timeoutMs: number): Omit<ValidationIssue, "file"> | null {
  const problem = (code: string, message: string) => ({ severity: "high" as const, code: `${request}_${code}`, message });
  if (run.timedOut) return problem("timeout", `${request}: no answer within ${timeoutMs / 1000} s (killed)`);
  const answer = parseAnswer(run.stdout);
  if (answer === null) {
    const died = run.signal ? `killed by ${run.signal} (CPU, memory or process limit)` : `exit ${run.exitCode}`;
    return problem("no_json", `${request}: stdout has no JSON object (${died})${stderrTail(run.stderr)}`);
  }
  if (answer.status !== expected) {
    return problem("wrong_status", `${request}: expected status "${expected}", got ${JSON.stringify(answer.status ?? null)}`);
  }
  return null;
}

function parseAnswer(stdout: string): Record<string, unknown> | null {
  const candidates = [stdout.trim(), ...stdout.trim().split("\n").reverse()];
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // Not this one.
    }
  }
  return null;
}

/** Node puts the error first and its stack after; Python the traceback first and the error last. */
function stderrTail(stderr: string): string {
  const text = stderr.trim();
  if (!text) return "";
  return `; stderr: ${text.length <= 400 ? text : `${text.slice(0, 200)} … ${text.slice(-200)}`}`;
}
