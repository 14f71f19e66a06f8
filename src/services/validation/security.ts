/**
 * The `security` check: secret patterns in every text file, dangerous calls in the author's own
 * Python and JavaScript (bundled node_modules / virtualenvs are skipped for those), and bandit
 * on the Python files when `/usr/bin/python3 -m bandit` is installed.
 *
 * Verdict: failed when any finding is `high` or `critical` (a leaked credential, eval/exec,
 * shell commands, unpickling); `medium`/`low` findings are reported and pass.
 *
 * bandit only parses the files, but parsing hostile input is still done in the sandbox; without
 * one, bandit is left out (and the summary says so) rather than run unconfined.
 */

import type { Severity, ValidationIssue } from "../../contract/validation.ts";
import { AGENT_MOUNT, runSandboxed } from "../../lib/sandbox/sandbox.ts";
import { isJavaScript, isPython, isVendored, PYTHON_INTERPRETER, readText } from "./agent-files.ts";
import { limitIssues } from "./sandbox-limits.ts";
import { findDangerousCalls, findSecrets } from "./security-patterns.ts";
import { type AgentPackage, type CheckOutcome, type ExecutionContext, isBlocking, SEVERITY_RANK } from "./types.ts";

const BANDIT_TIMEOUT_MS = 60_000;
// assert_used: pytest tests are made of asserts, and asserts are no vulnerability in an agent.
const BANDIT_SKIPS = "B101";

export async function checkSecurity(agent: AgentPackage, context: ExecutionContext): Promise<CheckOutcome> {
  const issues: ValidationIssue[] = [];
  for (const file of agent.files) {
    const text = await readText(agent, file);
    if (text === null) continue;
    issues.push(...findSecrets(text, file.path));
    if (isVendored(file.path)) continue;
    if (isPython(file.path)) issues.push(...findDangerousCalls(text, file.path, "python"));
    else if (isJavaScript(file.path)) issues.push(...findDangerousCalls(text, file.path, "javascript"));
  }

  const bandit = await runBandit(agent, context);
  const seen = new Set(issues.map((issue) => `${issue.file}:${issue.line}`));
  // Where our own pattern already flagged the line, bandit's finding would only repeat it.
  issues.push(...bandit.issues.filter((issue) => !seen.has(`${issue.file}:${issue.line}`)));

  const blocking = issues.filter(isBlocking);
  return {
    status: blocking.length > 0 ? "failed" : "passed",
    summary: `${describeCounts(issues)}; ${bandit.note}`,
    issues: issues.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]),
  };
}

interface BanditRun {
  issues: ValidationIssue[];
  note: string;
}

async function runBandit(agent: AgentPackage, context: ExecutionContext): Promise<BanditRun> {
  const pythonFiles = agent.files.filter((file) => isPython(file.path) && !isVendored(file.path));
  if (pythonFiles.length === 0) return { issues: [], note: "bandit: no Python files" };
  if (!(await banditInstalled())) return { issues: [], note: "bandit: not installed" };
  if (!context.sandbox.ok) return { issues: [], note: `bandit: skipped (${context.sandbox.reason})` };

  const run = await runSandboxed({
    dir: agent.root,
    command: [PYTHON_INTERPRETER, "-m", "bandit", "-q", "-f", "json", "--skip", BANDIT_SKIPS, ...pythonFiles.map((file) => `${AGENT_MOUNT}/${file.path}`)],
    timeoutMs: BANDIT_TIMEOUT_MS,
    maxOutputBytes: 4 * 1024 ** 2,
    signal: context.signal,
  });
  // bandit only parses, but it parses hostile files: a limit it hit means the scan is incomplete.
  const limits = limitIssues(run, "bandit", "medium");
  if (run.timedOut) return { issues: limits, note: `bandit: timed out after ${BANDIT_TIMEOUT_MS / 1000} s` };
  // bandit exits 1 when it found something; the JSON is what counts.
  const report = parseBanditReport(run.stdout);
  if (!report) return { issues: limits, note: `bandit: failed (${(run.stderr || run.stdout).trim().slice(0, 200) || `exit ${run.exitCode}`})` };
  return { issues: [...report, ...limits], note: `bandit: ${report.length} finding${report.length === 1 ? "" : "s"}` };
}

interface BanditResult {
  test_id: string;
  test_name: string;
  issue_text: string;
  issue_severity: string;
  issue_confidence: string;
  filename: string;
  line_number: number;
}

function parseBanditReport(stdout: string): ValidationIssue[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return null;
  }
  const results = (parsed as { results?: unknown }).results;
  if (!Array.isArray(results)) return null;
  return (results as BanditResult[]).map((result) => ({
    severity: banditSeverity(result.issue_severity, result.issue_confidence),
    code: `bandit:${result.test_id}`,
    message: `${result.issue_text} (${result.test_name}, confidence ${result.issue_confidence.toLowerCase()})`,
    file: result.filename.startsWith(`${AGENT_MOUNT}/`) ? result.filename.slice(AGENT_MOUNT.length + 1) : result.filename,
    line: result.line_number,
  }));
}

/** bandit's severity, one step lower when bandit itself has low confidence in the finding. */
function banditSeverity(severity: string, confidence: string): Severity {
  const levels: Severity[] = ["low", "medium", "high"];
  const index = Math.max(0, levels.indexOf(severity.toLowerCase() as Severity));
  return levels[Math.max(0, confidence.toUpperCase() === "LOW" ? index - 1 : index)]!;
}

let banditProbe: Promise<boolean> | undefined;

/** Whether the system python has bandit (probed once; runs no uploaded code). */
export function banditInstalled(): Promise<boolean> {
  banditProbe ??= (async () => {
    try {
      const probe = Bun.spawn([PYTHON_INTERPRETER, "-c", "import bandit"], { stdout: "ignore", stderr: "ignore", timeout: 15_000 });
      return (await probe.exited) === 0;
    } catch {
      return false;
    }
  })();
  return banditProbe;
}

function describeCounts(issues: ValidationIssue[]): string {
  if (issues.length === 0) return "no findings";
  const counts = (["critical", "high", "medium", "low"] as const)
    .map((severity) => [severity, issues.filter((issue) => issue.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  return `${issues.length} finding${issues.length === 1 ? "" : "s"} (${counts.join(", ")})`;
}
