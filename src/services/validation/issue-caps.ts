import type { Severity, ValidationIssue } from "../../contract/validation.ts";
import type { CheckOutcome } from "./types.ts";
import { SEVERITY_RANK } from "./types.ts";

/**
 * Bounds on what one check stores and reports, whatever the archive holds (a 2 MB file of
 * `eval(` lines gave 349,515 issues): the most severe issues are kept, per file and per check,
 * and the rest are counted in one "and N more" issue, so the verdict stays and the report stays small.
 */
const ISSUE_CAPS = { perFile: 20, perCheck: 200, checkBytes: 128 * 1024, messageChars: 1000, pathChars: 500, summaryChars: 2000 } as const;

const MORE_ISSUES_CODE = "more_issues";

export function capIssues(outcome: CheckOutcome): CheckOutcome {
  const byFile = new Map<string, ValidationIssue[]>();
  for (const issue of outcome.issues) {
    const key = issue.file ?? "";
    const list = byFile.get(key) ?? [];
    list.push(issue);
    byFile.set(key, list);
  }
  const kept: ValidationIssue[] = [];
  for (const [file, issues] of byFile) {
    const shown = shorten(file, ISSUE_CAPS.pathChars);
    kept.push(
      ...keepMostSevere(
        issues.map(shortenIssue),
        ISSUE_CAPS.perFile,
        Infinity,
        (n) => `and ${n} more issue${n === 1 ? "" : "s"} in ${shown || "the package"}`,
        shown || undefined,
      ),
    );
  }
  const issues = keepMostSevere(kept, ISSUE_CAPS.perCheck, ISSUE_CAPS.checkBytes, (n) => `and ${n} more issue${n === 1 ? "" : "s"} in other files`, undefined);
  return { ...outcome, summary: shorten(outcome.summary, ISSUE_CAPS.summaryChars), issues };
}

/**
 * At most `max` issues in at most `maxBytes` of JSON: the most severe that fit (in their order)
 * and one that counts the rest.
 */
function keepMostSevere(issues: ValidationIssue[], max: number, maxBytes: number, more: (n: number) => string, file: string | undefined): ValidationIssue[] {
  const size = (issue: ValidationIssue) => JSON.stringify(issue).length;
  if (issues.length <= max && issues.reduce((sum, issue) => sum + size(issue), 0) <= maxBytes) return issues;
  const ranked = issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => SEVERITY_RANK[b.issue.severity] - SEVERITY_RANK[a.issue.severity] || a.index - b.index);
  let bytes = 0;
  let fit = 0;
  while (fit < Math.min(max - 1, ranked.length) && bytes + size(ranked[fit]!.issue) <= maxBytes) bytes += size(ranked[fit++]!.issue);
  const keep = ranked.slice(0, fit).sort((a, b) => a.index - b.index);
  const dropped = ranked.slice(fit);
  const hidden = dropped.reduce((sum, { issue }) => sum + hiddenCount(issue), 0);
  const severity = dropped.reduce<Severity>((worst, { issue }) => (SEVERITY_RANK[issue.severity] > SEVERITY_RANK[worst] ? issue.severity : worst), "low");
  return [...keep.map((k) => k.issue), { severity, code: MORE_ISSUES_CODE, message: more(hidden), ...(file === undefined ? {} : { file }) }];
}

/** A summary issue already stands for many. */
function hiddenCount(issue: ValidationIssue): number {
  if (issue.code !== MORE_ISSUES_CODE) return 1;
  return Number(/^and (\d+) more/.exec(issue.message)?.[1] ?? 1);
}

function shortenIssue(issue: ValidationIssue): ValidationIssue {
  return {
    ...issue,
    code: shorten(issue.code, 100),
    message: shorten(issue.message, ISSUE_CAPS.messageChars),
    ...(issue.file === undefined ? {} : { file: shorten(issue.file, ISSUE_CAPS.pathChars) }),
  };
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
