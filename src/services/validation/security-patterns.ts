/**
 * Text patterns of the `security` check: leaked secrets (any text file) and dangerous calls (the
 * author's Python and JavaScript). Regexes over text, so they can be fooled by obfuscation and
 * can fire inside strings; bandit adds an AST-based second opinion for Python.
 *
 * Messages never repeat a found secret in full: the report is shown to people other than the
 * author (admins) and stored, and must not become a second leak.
 */
import type { Severity, ValidationIssue } from "../../contract/validation.ts";

interface Pattern {
  code: string;
  severity: Severity;
  what: string;
  regex: RegExp;
  /** Capture group holding the secret, to redact in messages (0 = whole match). */
  group?: number;
  /** Extra filter for noisy patterns, given the captured value. */
  accept?: (value: string) => boolean;
}

const PLACEHOLDER =
  /^(x+|\*+|\.+|changeme|change_me|password|passw0rd|secret|example.*|.*example|your[_-].*|<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)s|dummy|test|testing|placeholder|todo|none|null|redacted|foo|bar)$/i;

const SECRET_PATTERNS: Pattern[] = [
  { code: "aws_access_key_id", severity: "critical", what: "AWS access key id", regex: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/g, group: 1 },
  {
    code: "aws_secret_access_key",
    severity: "critical",
    what: "AWS secret access key",
    regex: /(?:aws_?)?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi,
    group: 1,
  },
  { code: "github_token", severity: "critical", what: "GitHub token", regex: /\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, group: 1 },
  { code: "slack_token", severity: "high", what: "Slack token", regex: /\b(xox[abposr]-[A-Za-z0-9-]{10,})/g, group: 1 },
  {
    code: "slack_webhook",
    severity: "high",
    what: "Slack webhook URL",
    regex: /https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/g,
  },
  { code: "private_key", severity: "critical", what: "private key block", regex: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { code: "stripe_secret_key", severity: "critical", what: "Stripe live secret key", regex: /\b((?:sk|rk)_live_[0-9a-zA-Z]{24,})\b/g, group: 1 },
  { code: "google_api_key", severity: "high", what: "Google API key", regex: /\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g, group: 1 },
  {
    code: "openai_api_key",
    severity: "critical",
    what: "OpenAI API key",
    regex: /\b(sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,})/g,
    group: 1,
  },
  { code: "anthropic_api_key", severity: "critical", what: "Anthropic API key", regex: /\b(sk-ant-[a-z0-9]+-[A-Za-z0-9_-]{40,})/g, group: 1 },
  {
    code: "hardcoded_secret",
    severity: "medium",
    what: "hard-coded password or API key",
    // Preceded by a non-alphanumeric, so db_password and DB_PASSWORD count and mypassword does not.
    regex:
      /(?<![A-Za-z0-9])(?:password|passwd|pwd|secret|secret_key|client_secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token)["']?\s*[:=]\s*(["'])([^"'\s]{6,})\1/gi,
    group: 2,
    accept: (value) => !PLACEHOLDER.test(value),
  },
];

const PYTHON_CALLS: Pattern[] = [
  { code: "py_eval", severity: "high", what: "eval() runs arbitrary code", regex: /(?<![\w.])eval\s*\(/g },
  { code: "py_exec", severity: "high", what: "exec() runs arbitrary code", regex: /(?<![\w.])exec\s*\(/g },
  { code: "py_os_system", severity: "high", what: "os.system() runs a shell command", regex: /\bos\.system\s*\(/g },
  { code: "py_os_popen", severity: "medium", what: "os.popen() runs a shell command", regex: /\bos\.popen\s*\(/g },
  { code: "py_subprocess_shell", severity: "high", what: "subprocess with shell=True runs a shell command", regex: /\bshell\s*=\s*True\b/g },
  { code: "py_subprocess_getoutput", severity: "high", what: "subprocess.getoutput() runs a shell command", regex: /\bsubprocess\.get(?:status)?output\s*\(/g },
  { code: "py_pickle_load", severity: "high", what: "unpickling runs code from the data", regex: /\b(?:c?[Pp]ickle|dill|joblib)\.loads?\s*\(/g },
  { code: "py_marshal_load", severity: "medium", what: "marshal.load() of untrusted data", regex: /\bmarshal\.loads?\s*\(/g },
  {
    code: "py_yaml_load",
    severity: "medium",
    what: "yaml.load() without a safe Loader can build arbitrary objects",
    regex: /\byaml\.load\s*\((?![^)]*Loader\s*=\s*(?:yaml\.)?C?SafeLoader)/g,
  },
];

// `.exec(` (RegExp#exec, child_process.exec after the import was flagged) is left alone: only a
// bare `exec(` (destructured from child_process) is reported.
const JAVASCRIPT_CALLS: Pattern[] = [
  { code: "js_eval", severity: "high", what: "eval() runs arbitrary code", regex: /(?<![\w.$])eval\s*\(/g },
  { code: "js_new_function", severity: "high", what: "new Function() runs arbitrary code", regex: /\bnew\s+Function\s*\(/g },
  { code: "js_exec", severity: "high", what: "exec() runs a shell command", regex: /(?<![\w.$])exec(?:Sync)?\s*\(/g },
  {
    code: "js_child_process",
    severity: "medium",
    what: "child_process starts programs",
    regex: /(?:require\s*\(\s*|from\s+|import\s*\(\s*|import\s+)["'](?:node:)?child_process["']/g,
  },
  { code: "js_vm", severity: "medium", what: "vm runs code in this process", regex: /\bvm\.runIn(?:New|This)?Context\s*\(/g },
];

export function findSecrets(text: string, file: string): ValidationIssue[] {
  return matchPatterns(text, file, SECRET_PATTERNS, null);
}

export function findDangerousCalls(text: string, file: string, language: "python" | "javascript"): ValidationIssue[] {
  if (language === "python") {
    // shell=True matters only in a file that uses subprocess at all.
    const patterns = /\bsubprocess\b/.test(text) ? PYTHON_CALLS : PYTHON_CALLS.filter((p) => p.code !== "py_subprocess_shell");
    return matchPatterns(text, file, patterns, /^\s*#/);
  }
  return matchPatterns(text, file, JAVASCRIPT_CALLS, /^\s*(\/\/|\*|\/\*)/);
}

function matchPatterns(text: string, file: string, patterns: Pattern[], commentLine: RegExp | null): ValidationIssue[] {
  const lines = lineStarts(text);
  const issues: ValidationIssue[] = [];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern.regex)) {
      const value = match[pattern.group ?? 0] ?? match[0];
      if (pattern.accept && !pattern.accept(value)) continue;
      const line = lineOf(lines, match.index);
      if (commentLine?.test(text.slice(lines[line - 1], lines[line] ?? text.length))) continue;
      const shown = pattern.group === undefined ? "" : ` (${redact(value)})`;
      issues.push({ severity: pattern.severity, code: pattern.code, message: `${capitalize(pattern.what)}${shown}`, file, line });
    }
  }
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function redact(secret: string): string {
  return `${secret.slice(0, 4)}… ${secret.length} chars`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of a character offset (binary search over line starts). */
function lineOf(starts: number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}
