/**
 * The `quality` check: ruff (the WebAssembly build, in process: no uploaded code runs) on the
 * author's Python files, and package.json sanity for Node agents. Failed when a finding is
 * `high` (a Python syntax error, package.json unusable or pointing at a missing entry point);
 * otherwise passed with a score.
 *
 * Score, 0..1, the mean of the parts that apply (skipped when none does):
 *  - Python: 1 - points / max(10, lines / 10), floored at 0, where a syntax error costs 5 points,
 *    a likely bug (pyflakes F6xx-F8xx, bugbear B) 1 point and any other finding 0.5. So one bug
 *    per 10 lines of code, or 10 bugs in a small package, gives 0.
 *  - package.json: 1 - 0.4 per high, 0.15 per medium, 0.05 per low finding, floored at 0.
 */
import type { Diagnostic, Workspace } from "@astral-sh/ruff-wasm-nodejs";
import type { Severity, ValidationIssue } from "../../contract/validation.ts";
import { isPython, isVendored, readPackageJson, readText } from "./agent-files.ts";
import { packageJsonIssues } from "./package-json-rules.ts";
import { type AgentPackage, type CheckOutcome, isBlocking } from "./types.ts";

// pycodestyle errors that are real problems (E4 imports, E7 statements, E9 runtime), pyflakes,
// and bugbear's likely-bug rules; no pure style rules, so formatting taste costs nothing.
const RUFF_RULES = ["E4", "E7", "E9", "F", "B"];
const MAX_REPORTED_ISSUES = 200;

export async function checkQuality(agent: AgentPackage): Promise<CheckOutcome> {
  const issues: ValidationIssue[] = [];
  const scores: number[] = [];
  const parts: string[] = [];

  const python = await lintPython(agent);
  if (python) {
    issues.push(...python.issues);
    scores.push(python.score);
    parts.push(`ruff: ${python.issues.length} finding${python.issues.length === 1 ? "" : "s"} in ${python.files} Python file${python.files === 1 ? "" : "s"}`);
  }
  const pkg = await readPackageJson(agent);
  if (pkg.state !== "absent") {
    const found = packageJsonIssues(pkg, agent);
    issues.push(...found);
    scores.push(packageJsonScore(found));
    parts.push(`package.json: ${found.length === 0 ? "ok" : `${found.length} finding${found.length === 1 ? "" : "s"}`}`);
  }
  if (scores.length === 0) return { status: "skipped", summary: "No Python files and no package.json to check", issues: [] };

  const score = Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100;
  const reported = issues.slice(0, MAX_REPORTED_ISSUES);
  if (issues.length > reported.length)
    reported.push({ severity: "low", code: "more_issues", message: `${issues.length - reported.length} more findings not listed` });
  return {
    status: issues.some(isBlocking) ? "failed" : "passed",
    summary: `${parts.join("; ")}; score ${score}`,
    score,
    issues: reported,
  };
}

async function lintPython(agent: AgentPackage): Promise<{ issues: ValidationIssue[]; score: number; files: number } | null> {
  const files = agent.files.filter((file) => isPython(file.path) && !isVendored(file.path));
  if (files.length === 0) return null;
  const workspace = await ruffWorkspace();
  const issues: ValidationIssue[] = [];
  let lines = 0;
  let points = 0;
  for (const file of files) {
    const text = await readText(agent, file);
    if (text === null) continue;
    lines += text.split("\n").filter((line) => line.trim() !== "").length;
    const diagnostics = (workspace.check(text) as Diagnostic[]).sort((a, b) => a.start_location.row - b.start_location.row);
    for (const diagnostic of diagnostics) {
      const kind = classify(diagnostic.code);
      points += kind.points;
      issues.push({
        severity: kind.severity,
        code: `ruff:${diagnostic.code ?? "syntax-error"}`,
        message: diagnostic.message,
        file: file.path,
        line: diagnostic.start_location.row,
      });
    }
  }
  const score = Math.max(0, 1 - points / Math.max(10, lines / 10));
  return { issues, score, files: files.length };
}

function classify(code: string | null): { severity: Severity; points: number } {
  if (code === null || code === "invalid-syntax" || code.startsWith("E9")) return { severity: "high", points: 5 };
  if (/^(F[678]|B)\d/.test(code)) return { severity: "medium", points: 1 };
  return { severity: "low", points: 0.5 };
}

function packageJsonScore(issues: ValidationIssue[]): number {
  const cost: Record<Severity, number> = { critical: 0.4, high: 0.4, medium: 0.15, low: 0.05 };
  return Math.max(0, 1 - issues.reduce((sum, issue) => sum + cost[issue.severity], 0));
}

let workspace: Promise<Workspace> | undefined;

/**
 * One ruff workspace per process: building it compiles the rule set (~30 ms). The module is
 * loaded on the first check, not at start-up: importing it compiles 10 MB of WebAssembly
 * synchronously (~130 ms of every start, and the api role never validates).
 */
function ruffWorkspace(): Promise<Workspace> {
  workspace ??= import("@astral-sh/ruff-wasm-nodejs").then(
    ({ Workspace, PositionEncoding }) => new Workspace({ "line-length": 120, lint: { select: RUFF_RULES } }, PositionEncoding.Utf16),
  );
  return workspace;
}
