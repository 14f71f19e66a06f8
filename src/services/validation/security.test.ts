import { afterEach, describe, expect, test } from "bun:test";
import { awsKeyLeakAgent, goodNodeAgent, goodPythonAgent, LEAKED_AWS_KEY_ID } from "../../testing/sample-agents.ts";
import { type UnpackedAgent, unpackAgent } from "../../testing/validation-support.ts";
import { banditInstalled, checkSecurity } from "./security.ts";
import { findDangerousCalls, findSecrets } from "./security-patterns.ts";

// Assembled at run time so this file does not look like a leak to repository scanners.
const fake = {
  github: ["ghp", "_", "A".repeat(20), "b".repeat(16)].join(""),
  githubPat: ["github_pat", "_", "11ABCDEFG0", "x".repeat(40)].join(""),
  slack: ["xoxb", "-", "123456789012-", "abcdefghijklmnop"].join(""),
  stripe: ["sk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc"].join(""),
  privateKey: ["-----BEGIN ", "RSA PRIVATE KEY-----"].join(""),
};

const sandbox = { ok: true as const };
const hasBandit = await banditInstalled();
let agents: UnpackedAgent[] = [];
const unpack = async (...args: Parameters<typeof unpackAgent>) => {
  const agent = await unpackAgent(...args);
  agents.push(agent);
  return agent;
};

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.cleanup()));
  agents = [];
});

describe("secret patterns", () => {
  test("find keys and tokens with file, line and a redacted message", () => {
    const text = [
      `aws = "${LEAKED_AWS_KEY_ID}"`,
      `token = "${fake.github}"`,
      `pat = "${fake.githubPat}"`,
      `slack = "${fake.slack}"`,
      `stripe = "${fake.stripe}"`,
      fake.privateKey,
      `db_password = "hunter2hunter2"`,
    ].join("\n");
    const issues = findSecrets(text, "settings.py");
    expect(issues.map((issue) => [issue.code, issue.line, issue.severity])).toEqual([
      ["aws_access_key_id", 1, "critical"],
      ["github_token", 2, "critical"],
      ["github_token", 3, "critical"],
      ["slack_token", 4, "high"],
      ["stripe_secret_key", 5, "critical"],
      ["private_key", 6, "critical"],
      ["hardcoded_secret", 7, "medium"],
    ]);
    expect(issues.every((issue) => issue.file === "settings.py")).toBe(true);
    expect(issues[0]!.message).not.toContain(LEAKED_AWS_KEY_ID);
    expect(issues[0]!.message).toContain("AKIA…");
  });

  test("flag hard-coded passwords and API keys but not placeholders or environment lookups", () => {
    const text = [
      `password = "s3cr3t-Passw0rd!"`,
      `"api_key": "9f8e7d6c5b4a39281706"`,
      `password = "changeme"`,
      `api_key = "<your-api-key>"`,
      `token = os.environ["API_TOKEN"]`,
      `apiKey: process.env.API_KEY,`,
    ].join("\n");
    expect(findSecrets(text, "a.py").map((issue) => [issue.code, issue.line, issue.severity])).toEqual([
      ["hardcoded_secret", 1, "medium"],
      ["hardcoded_secret", 2, "medium"],
    ]);
  });
});

describe("dangerous call patterns", () => {
  test("python: eval, exec, os.system, shell=True with subprocess, pickle", () => {
    const text = [
      "import pickle, subprocess, os",
      "# eval(x) in a comment is fine",
      "value = eval(expression)",
      "exec(code)",
      "os.system('ls')",
      "subprocess.run(",
      "    cmd, shell=True)",
      "data = pickle.loads(blob)",
      "cursor.execute(sql)",
    ].join("\n");
    expect(findDangerousCalls(text, "a.py", "python").map((issue) => [issue.code, issue.line])).toEqual([
      ["py_eval", 3],
      ["py_exec", 4],
      ["py_os_system", 5],
      ["py_subprocess_shell", 7],
      ["py_pickle_load", 8],
    ]);
    expect(findDangerousCalls("run(shell=True)", "b.py", "python")).toEqual([]);
  });

  test("javascript: eval, new Function, child_process, bare exec; not RegExp#exec", () => {
    const text = [
      'const { exec } = require("child_process");',
      "exec(command);",
      "const match = /a/.exec(text);",
      "// eval(x) in a comment is fine",
      "eval(source);",
      "const f = new Function('return 1');",
      'import { spawn } from "node:child_process";',
    ].join("\n");
    expect(findDangerousCalls(text, "a.js", "javascript").map((issue) => [issue.code, issue.line])).toEqual([
      ["js_child_process", 1],
      ["js_exec", 2],
      ["js_eval", 5],
      ["js_new_function", 6],
      ["js_child_process", 7],
    ]);
  });
});

describe("security check", () => {
  test("fails the agent that leaks an AWS key, naming the file and lines", async () => {
    const agent = await unpack(awsKeyLeakAgent());
    const outcome = await checkSecurity(agent, { sandbox, timeoutMs: 30_000 });
    expect(outcome.status).toBe("failed");
    expect(outcome.issues.map((issue) => [issue.code, issue.file, issue.line, issue.severity])).toEqual([
      ["aws_access_key_id", "config.js", 3, "critical"],
      ["aws_secret_access_key", "config.js", 4, "critical"],
    ]);
  });

  test("passes the good sample agents", async () => {
    for (const zip of [goodNodeAgent(), goodPythonAgent()]) {
      const outcome = await checkSecurity(await unpack(zip), { sandbox, timeoutMs: 30_000 });
      expect(outcome).toMatchObject({ status: "passed", issues: [] });
    }
  });

  test("judges the author's code, not bundled node_modules, but finds secrets everywhere", async () => {
    const agent = await unpack([
      { name: "index.js", data: "module.exports = {};\n" },
      { name: "node_modules/lib/index.js", data: `module.exports = (s) => eval(s);\nconst key = "${LEAKED_AWS_KEY_ID}";\n` },
    ]);
    const outcome = await checkSecurity(agent, { sandbox, timeoutMs: 30_000 });
    expect(outcome.issues.map((issue) => [issue.code, issue.file])).toEqual([["aws_access_key_id", "node_modules/lib/index.js"]]);
  });

  test.skipIf(!hasBandit)("runs bandit in the sandbox, maps its findings and drops repeats of our own", async () => {
    const source = [
      "import hashlib",
      "import subprocess",
      "",
      "import requests",
      "",
      "",
      "def digest(data):",
      "    return hashlib.md5(data).hexdigest()",
      "",
      "",
      "def fetch(url):",
      "    return requests.get(url, verify=False)",
      "",
      "",
      "def run(cmd):",
      "    return subprocess.call(cmd, shell=True)",
    ].join("\n");
    const agent = await unpack([{ name: "tool.py", data: `${source}\n` }]);
    const outcome = await checkSecurity(agent, { sandbox, timeoutMs: 30_000 });
    expect(outcome.status).toBe("failed");
    expect(outcome.summary).toContain("bandit: 4 findings");
    expect(outcome.issues.map((issue) => [issue.code, issue.line, issue.severity])).toEqual([
      ["py_subprocess_shell", 16, "high"],
      ["bandit:B501", 12, "high"],
      ["bandit:B303", 8, "medium"],
      ["bandit:B404", 2, "low"],
    ]);
  });

  test("leaves bandit out without a sandbox and says so", async () => {
    const agent = await unpack([{ name: "tool.py", data: "print('hi')\n" }]);
    const outcome = await checkSecurity(agent, { sandbox: { ok: false, reason: "forced by test" }, timeoutMs: 30_000 });
    expect(outcome.status).toBe("passed");
    expect(outcome.summary).toContain(hasBandit ? "bandit: skipped (forced by test)" : "bandit: not installed");
  });
});
