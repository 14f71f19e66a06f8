/** The executing checks (compatibility, tests) on small agents beyond the sample fixtures. */
import { afterEach, describe, expect, test } from "bun:test";
import { goodNodeAgent, goodPythonAgent } from "../../testing/sample-agents.ts";
import { type UnpackedAgent, unpackAgent } from "../../testing/validation-support.ts";
import type { ZipWriterEntry } from "../../testing/zip-writer.ts";
import { checkCompatibility } from "./compatibility.ts";
import { checkTests } from "./tests.ts";
import type { ExecutionContext } from "./types.ts";

const context: ExecutionContext = { sandbox: { ok: true }, timeoutMs: 10_000 };
const noSandbox: ExecutionContext = { sandbox: { ok: false, reason: "forced by test" }, timeoutMs: 10_000 };
let agents: UnpackedAgent[] = [];
const unpack = async (source: ZipWriterEntry[] | Uint8Array) => {
  const agent = await unpackAgent(source);
  agents.push(agent);
  return agent;
};

afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.cleanup()));
  agents = [];
});

const pkg = { name: "package.json", data: JSON.stringify({ name: "a", version: "1.0.0", main: "index.js" }) };

describe("compatibility check", () => {
  test("accepts an answer after log lines, and a Node entry found at dist/index.js", async () => {
    const script = `process.stdin.resume();
let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", () => {
  console.log("starting up");
  const { action } = JSON.parse(input);
  console.log(JSON.stringify(action === "ping" ? { status: "success" } : { status: "error", error: "unknown" }));
});`;
    const agent = await unpack([
      { name: "package.json", data: JSON.stringify({ name: "a", version: "1.0.0" }) },
      { name: "dist/index.js", data: script },
    ]);
    const outcome = await checkCompatibility(agent, context);
    expect(outcome).toMatchObject({ status: "passed", issues: [] });
    expect(outcome.summary).toContain("dist/index.js");
  });

  test("fails a package whose main does not exist, and one with no entry point at all", async () => {
    const missing = await checkCompatibility(
      await unpack([
        { name: "package.json", data: JSON.stringify({ main: "gone.js" }) },
        { name: "x.js", data: "" },
      ]),
      context,
    );
    expect(missing).toMatchObject({ status: "failed", issues: [{ code: "no_entry_point" }] });
    const none = await checkCompatibility(await unpack([{ name: "README.md", data: "hi" }]), context);
    expect(none).toMatchObject({ status: "failed", issues: [{ code: "no_entry_point" }] });
  });

  test("fails an agent that crashes without answering, and reports its stderr", async () => {
    const outcome = await checkCompatibility(await unpack([pkg, { name: "index.js", data: 'throw new Error("boom at start")' }]), context);
    expect(outcome.status).toBe("failed");
    expect(outcome.issues.map((issue) => issue.code)).toEqual(["ping_no_json", "unknown_action_no_json"]);
    expect(outcome.issues[0]!.message).toContain("boom at start");
  });

  test("passes with a warning when ping answers but exits non-zero", async () => {
    const script = `import json, sys\nrequest = json.load(sys.stdin)\nprint(json.dumps({"status": "success" if request["action"] == "ping" else "error"}))\nsys.exit(2)\n`;
    const outcome = await checkCompatibility(await unpack([{ name: "main.py", data: script }]), context);
    expect(outcome).toMatchObject({ status: "passed", issues: [{ code: "ping_exit_code", severity: "medium", file: "main.py" }] });
  });

  test("is skipped without a sandbox, never run unconfined", async () => {
    const outcome = await checkCompatibility(await unpack(goodNodeAgent()), noSandbox);
    expect(outcome).toMatchObject({ status: "skipped", summary: "Not run: forced by test" });
  });
});

describe("tests check", () => {
  test("runs node --test and pytest suites of the good agents", async () => {
    expect(await checkTests(await unpack(goodNodeAgent()), context)).toMatchObject({ status: "passed", summary: "node --test: 2 passed, 0 failed, 0 skipped" });
    expect(await checkTests(await unpack(goodPythonAgent()), context)).toMatchObject({ status: "passed", summary: "pytest: 2 passed, 0 failed, 1 skipped" });
  });

  test("fails on a failing node test and names it", async () => {
    const failing = `const test = require("node:test");\nconst assert = require("node:assert");\ntest("adds", () => assert.equal(1 + 1, 3));\ntest("ok", () => {});\n`;
    const outcome = await checkTests(await unpack([pkg, { name: "index.js", data: "" }, { name: "math.test.js", data: failing }]), context);
    expect(outcome).toMatchObject({ status: "failed", summary: "node --test: 1 passed, 1 failed, 0 skipped" });
    expect(outcome.issues).toEqual([{ code: "test_failed", severity: "high", message: "node --test: adds failed", file: "math.test.js", line: 3 }]);
  });

  test("fails on a failing pytest test and names it", async () => {
    const failing = "def test_adds():\n    assert 1 + 1 == 3\n\n\ndef test_ok():\n    pass\n";
    const outcome = await checkTests(await unpack([{ name: "test_math.py", data: failing }]), context);
    expect(outcome).toMatchObject({ status: "failed", summary: "pytest: 1 passed, 1 failed, 0 skipped" });
    expect(outcome.issues).toEqual([expect.objectContaining({ code: "test_failed", message: "pytest: test_math.py::test_adds failed", file: "test_math.py" })]);
  });

  test("fails tests that do not finish in time", async () => {
    const outcome = await checkTests(await unpack([{ name: "test_hang.py", data: "def test_hang():\n    while True:\n        pass\n" }]), {
      ...context,
      timeoutMs: 2_000,
    });
    expect(outcome).toMatchObject({ status: "failed", issues: [{ code: "tests_timeout" }] });
  });

  test("is skipped when there are no tests, or no sandbox", async () => {
    expect(await checkTests(await unpack([pkg, { name: "index.js", data: "" }]), context)).toMatchObject({ status: "skipped" });
    expect(await checkTests(await unpack(goodPythonAgent()), noSandbox)).toMatchObject({ status: "skipped", summary: "Not run: forced by test" });
  });
});
