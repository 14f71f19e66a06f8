import { afterEach, describe, expect, test } from "bun:test";
import { goodNodeAgent, goodPythonAgent } from "../../testing/sample-agents.ts";
import { type UnpackedAgent, unpackAgent } from "../../testing/validation-support.ts";
import type { ZipWriterEntry } from "../../testing/zip-writer.ts";
import { checkQuality } from "./quality.ts";

let agents: UnpackedAgent[] = [];
const quality = async (source: ZipWriterEntry[] | Uint8Array) => {
  const agent = await unpackAgent(source);
  agents.push(agent);
  return checkQuality(agent);
};

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.cleanup()));
  agents = [];
});

const pkg = (fields: Record<string, unknown>) => ({ name: "package.json", data: JSON.stringify(fields) });
const codes = (issues: { code: string }[]) => issues.map((issue) => issue.code);

describe("quality check", () => {
  test("scores the good sample agents 1", async () => {
    expect(await quality(goodNodeAgent())).toMatchObject({ status: "passed", score: 1, issues: [] });
    expect(await quality(goodPythonAgent())).toMatchObject({ status: "passed", score: 1, issues: [] });
  });

  test("reports ruff findings with file and line and scores them by the documented formula", async () => {
    // 2 likely bugs (F821, B006) = 2 points, 1 unused import (F401) = 0.5: 1 - 2.5 / 10 = 0.75.
    const source = "import os\n\n\ndef f(items=[]):\n    return undefined_name\n";
    const outcome = await quality([{ name: "tool.py", data: source }]);
    expect(outcome.status).toBe("passed");
    expect(outcome.score).toBe(0.75);
    expect(outcome.issues.map((issue) => [issue.code, issue.line, issue.severity])).toEqual([
      ["ruff:F401", 1, "low"],
      ["ruff:B006", 4, "medium"],
      ["ruff:F821", 5, "medium"],
    ]);
    expect(outcome.issues[0]!.file).toBe("tool.py");
  });

  test("fails on a Python syntax error", async () => {
    const outcome = await quality([{ name: "broken.py", data: "def f(:\n    pass\n" }]);
    expect(outcome.status).toBe("failed");
    expect(outcome.issues[0]).toMatchObject({ code: "ruff:invalid-syntax", severity: "high", file: "broken.py", line: 1 });
    expect(outcome.score).toBe(0);
  });

  test("does not lint bundled virtualenvs", async () => {
    const outcome = await quality([
      { name: "agent.py", data: "print('ok')\n" },
      { name: ".venv/lib/x.py", data: "import os\n" },
    ]);
    expect(outcome).toMatchObject({ status: "passed", score: 1, issues: [] });
  });

  test("fails a package.json that is not JSON or points at a missing main", async () => {
    const invalid = await quality([
      { name: "package.json", data: "{ name: nope" },
      { name: "index.js", data: "" },
    ]);
    expect(invalid.status).toBe("failed");
    expect(codes(invalid.issues)).toEqual(["package_json_invalid"]);
    const missing = await quality([pkg({ name: "a", version: "1.0.0", main: "dist/agent.js", description: "d", license: "MIT" })]);
    expect(missing.status).toBe("failed");
    expect(codes(missing.issues)).toEqual(["package_json_main_missing"]);
  });

  test("grades package.json sanity: name, semver, dependencies bundled, install hooks, metadata", async () => {
    const outcome = await quality([
      pkg({ name: "Bad Name", version: "1.0", main: "index.js", dependencies: { lodash: "^4.17.21" }, scripts: { postinstall: "node setup.js" } }),
      { name: "index.js", data: "module.exports = {};\n" },
    ]);
    expect(outcome.status).toBe("passed");
    expect(codes(outcome.issues)).toEqual([
      "package_json_name_invalid",
      "package_json_version_invalid",
      "dependencies_not_bundled",
      "install_scripts",
      "package_json_description_missing",
      "package_json_license_missing",
    ]);
    // 4 medium (0.15) + 2 low (0.05) = 0.7 off.
    expect(outcome.score).toBe(0.3);
  });

  test("accepts dependencies that are bundled in node_modules", async () => {
    const outcome = await quality([
      pkg({ name: "a", version: "1.0.0", main: "index.js", description: "d", license: "MIT", dependencies: { tiny: "1.0.0" } }),
      { name: "index.js", data: "" },
      { name: "node_modules/tiny/index.js", data: "" },
    ]);
    expect(outcome).toMatchObject({ status: "passed", score: 1, issues: [] });
  });

  test("is skipped when there is neither Python nor package.json", async () => {
    expect(await quality([{ name: "README.md", data: "# hi\n" }])).toMatchObject({ status: "skipped" });
  });
});
