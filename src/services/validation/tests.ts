/**
 * The `tests` check: the package's own tests, in the sandbox (no network, /agent read-only,
 * /tmp writable).
 *  - Node: the files `node --test` would pick by default (node 20: `*.test.js`, `*-test.js`,
 *    `*_test.js`, `test-*.js`, `test.js` and any .js/.cjs/.mjs under a `test/` directory, outside
 *    node_modules), run as `node --test --test-reporter=tap <files>`. package.json's `test`
 *    script is not run: it may call tools the sandbox lacks (npm, a shell, tsx) and would make
 *    the outcome depend on them.
 *  - Python: `python3 -m pytest` on the agent root when there is a `test_*.py` or `*_test.py`
 *    (pytest's defaults), without the cache plugin since /agent is read-only.
 * No test files: skipped. A timeout, a failing test or a runner error: failed.
 */

import type { ValidationIssue } from "../../contract/validation.ts";
import { AGENT_MOUNT, runSandboxed, type SandboxRunResult, sandboxNodeBinary } from "../../lib/sandbox/sandbox.ts";
import { isVendored, PYTHON_INTERPRETER } from "./agent-files.ts";
import { limitIssues } from "./sandbox-limits.ts";
import { type AgentPackage, type CheckOutcome, type ExecutionContext, skipped } from "./types.ts";

const NODE_TEST_FILE = /(^|\/)(test\/.*\.[cm]?js|[^/]*[.\-_]test\.[cm]?js|test-[^/]*\.[cm]?js|test\.[cm]?js)$/;
const PYTEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
const MAX_FAILURE_ISSUES = 20;
// In a failing test's YAML block: "  location: '/agent/math.test.js:3:1'".
const TAP_LOCATION = new RegExp(`^\\s+location: '${AGENT_MOUNT}/(.+?):(\\d+):\\d+'$`);

interface Failure {
  name: string;
  file?: string;
  line?: number;
}

interface Tally {
  runner: string;
  passed: number;
  failed: number;
  skipped: number;
  issues: ValidationIssue[];
}

export async function checkTests(agent: AgentPackage, context: ExecutionContext): Promise<CheckOutcome> {
  const nodeFiles = agent.files.map((file) => file.path).filter((path) => NODE_TEST_FILE.test(path) && !isVendored(path));
  const hasPytest = agent.files.some((file) => PYTEST_FILE.test(file.path) && !isVendored(file.path));
  if (nodeFiles.length === 0 && !hasPytest) {
    return skipped("No tests found (node --test: *.test.js, test/*.js, ...; pytest: test_*.py, *_test.py)");
  }
  if (!context.sandbox.ok) return skipped(`Not run: ${context.sandbox.reason}`);

  const tallies: Tally[] = [];
  const notes: string[] = [];
  if (nodeFiles.length > 0) {
    if (sandboxNodeBinary()) tallies.push(await runNodeTests(agent, nodeFiles, context));
    else notes.push("node tests not run: no node binary on this host");
  }
  if (hasPytest) tallies.push(await runPytest(agent, context));
  if (tallies.length === 0) return skipped(notes.join("; "));

  const issues = tallies.flatMap((tally) => tally.issues);
  const failed = issues.length > 0;
  const summary = tallies
    .map((t) => `${t.runner}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`)
    .concat(notes)
    .join("; ");
  return { status: failed ? "failed" : "passed", summary, issues };
}

async function runNodeTests(agent: AgentPackage, files: string[], { timeoutMs, signal }: ExecutionContext): Promise<Tally> {
  const run = await runSandboxed({
    dir: agent.root,
    command: ["node", "--test", "--test-reporter=tap", ...files.map((file) => `${AGENT_MOUNT}/${file}`)],
    timeoutMs,
    signal,
  });
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(run.stdout)?.[1] ?? 0);
  const tally: Tally = {
    runner: "node --test",
    passed: count("pass"),
    failed: count("fail") + count("cancelled"),
    skipped: count("skipped") + count("todo"),
    issues: [],
  };
  tally.issues = outcomeIssues(run, tally, tapFailures(run.stdout), timeoutMs);
  return tally;
}

/** Top-level "not ok" lines of TAP (indented ones are subtests), with the YAML block's location. */
function tapFailures(tap: string): Failure[] {
  const lines = tap.split("\n");
  const failures: Failure[] = [];
  lines.forEach((line, index) => {
    const name = /^not ok \d+ - (.*)$/.exec(line)?.[1];
    if (name === undefined) return;
    let location: RegExpExecArray | null = null;
    for (let next = index + 1; next < lines.length && /^\s/.test(lines[next]!) && !location; next++) {
      location = TAP_LOCATION.exec(lines[next]!);
    }
    failures.push({ name, file: location?.[1], line: location ? Number(location[2]) : undefined });
  });
  return failures;
}

async function runPytest(agent: AgentPackage, { timeoutMs, signal }: ExecutionContext): Promise<Tally> {
  const run = await runSandboxed({
    dir: agent.root,
    command: [PYTHON_INTERPRETER, "-m", "pytest", "-q", "-rfE", "--color=no", "-p", "no:cacheprovider", AGENT_MOUNT],
    timeoutMs,
    signal,
  });
  const tally: Tally = { runner: "pytest", passed: 0, failed: 0, skipped: 0, issues: [] };
  // The summary line, e.g. "1 failed, 2 passed, 1 skipped in 0.05s".
  const summary =
    run.stdout
      .trim()
      .split("\n")
      .reverse()
      .find((line) => / in [\d.]+s/.test(line)) ?? "";
  for (const [, n, what] of summary.matchAll(/(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)/g)) {
    if (what === "passed" || what === "xfailed" || what === "xpassed") tally.passed += Number(n);
    else if (what === "skipped") tally.skipped += Number(n);
    else tally.failed += Number(n);
  }
  const noTestsCollected = run.exitCode === 5;
  if (noTestsCollected) {
    tally.issues = limitIssues(run, tally.runner);
    return tally;
  }
  const failures = [...run.stdout.matchAll(/^(?:FAILED|ERROR) (\S+)/gm)].map((match) => ({ name: match[1]!, file: match[1]!.split("::")[0] }));
  tally.issues = outcomeIssues(run, tally, failures, timeoutMs);
  return tally;
}

/** A run that hit a sandbox limit is not a pass, whatever its tests said. */
function outcomeIssues(run: SandboxRunResult, tally: Tally, failures: Failure[], timeoutMs: number): ValidationIssue[] {
  return [...runIssues(run, tally, failures, timeoutMs), ...limitIssues(run, tally.runner)];
}

function runIssues(run: SandboxRunResult, tally: Tally, failures: Failure[], timeoutMs: number): ValidationIssue[] {
  if (run.timedOut) return [{ severity: "high", code: "tests_timeout", message: `${tally.runner} did not finish within ${timeoutMs / 1000} s (killed)` }];
  const issues: ValidationIssue[] = failures.slice(0, MAX_FAILURE_ISSUES).map((failure) => ({
    severity: "high",
    code: "test_failed",
    message: `${tally.runner}: ${failure.name} failed`,
    ...(failure.file === undefined ? {} : { file: failure.file }),
    ...(failure.line === undefined ? {} : { line: failure.line }),
  }));
  if (issues.length === 0 && (run.exitCode !== 0 || tally.failed > 0)) {
    const why = run.signal ? `killed by ${run.signal}` : `exit ${run.exitCode}`;
    const tail = (run.stderr || run.stdout).trim().slice(-300);
    issues.push({ severity: "high", code: "tests_error", message: `${tally.runner} failed (${why})${tail ? `: ${tail}` : ""}` });
  }
  return issues;
}
