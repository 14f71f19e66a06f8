/**
 * Sample agent archives for the validation tests, generated at test time (no archive is ever
 * committed). Each is a zip as an upload would be; the hostile ones are written to be contained
 * by the sandbox and the archive check, which the tests assert.
 *
 * Secret-looking strings are assembled from pieces so this source file itself does not look like
 * a leak to scanners run on the repository.
 */
import { deflateRawSync } from "node:zlib";
import { writeZip, type ZipWriterEntry } from "./zip-writer.ts";

const NODE_PROTOCOL = `"use strict";
/** pytest-agents protocol: one JSON request on stdin, one JSON response on stdout. */
function handle(request) {
  const action = request && request.action;
  if (action === "ping") return { status: "success", data: { message: "pong" } };
  if (action === "echo") return { status: "success", data: request.params || {} };
  return { status: "error", error: "Unknown action: " + String(action) };
}

function main(respond) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => { input += chunk; });
  process.stdin.on("end", async () => {
    let request;
    try {
      request = JSON.parse(input);
    } catch (error) {
      process.stdout.write(JSON.stringify({ status: "error", error: "Invalid request: " + error.message }) + "\\n");
      return;
    }
    process.stdout.write(JSON.stringify(await respond(request)) + "\\n");
  });
}
`;

function nodeAgent(name: string, body: string, extra: ZipWriterEntry[] = []): ZipWriterEntry[] {
  const pkg = { name, version: "1.0.0", description: `Sample agent ${name}`, license: "MIT", main: "index.js", scripts: { test: "node --test" } };
  return [{ name: "package.json", data: JSON.stringify(pkg, null, 2) }, { name: "index.js", data: `${NODE_PROTOCOL}\n${body}\n` }, ...extra];
}

const RUN_AS_MAIN = "if (require.main === module) main(handle);\nmodule.exports = { handle };";

/** Follows the protocol, has node --test tests; wrapped in a top-level folder, deflated. */
export function goodNodeAgent(): Uint8Array {
  const test = `const test = require("node:test");
const assert = require("node:assert/strict");
const { handle } = require("../index.js");

test("ping answers success", () => {
  assert.equal(handle({ action: "ping", params: {} }).status, "success");
});

test("unknown actions answer error", () => {
  assert.equal(handle({ action: "nope", params: {} }).status, "error");
});
`;
  const entries = nodeAgent("good-node-agent", RUN_AS_MAIN, [{ name: "test/agent.test.js", data: test }]);
  return writeZip([{ name: "good-node-agent/" }, ...entries.map((entry) => ({ ...entry, name: `good-node-agent/${entry.name}` }))], { compress: true });
}

const PYTHON_AGENT = `"""pytest-agents protocol: one JSON request on stdin, one JSON response on stdout."""
import json
import sys


def handle(request):
    action = request.get("action")
    if action == "ping":
        return {"status": "success", "data": {"message": "pong"}}
    if action == "echo":
        return {"status": "success", "data": request.get("params", {})}
    return {"status": "error", "error": f"Unknown action: {action}"}


def main():
    try:
        request = json.load(sys.stdin)
    except ValueError as error:
        response = {"status": "error", "error": f"Invalid request: {error}"}
    else:
        response = handle(request)
    print(json.dumps(response))


if __name__ == "__main__":
    main()
`;

/** agent.py following the protocol, with pytest tests (2 pass, 1 skipped). */
export function goodPythonAgent(): Uint8Array {
  const tests = `import pytest

from agent import handle


def test_ping_answers_success():
    assert handle({"action": "ping", "params": {}})["status"] == "success"


def test_unknown_action_answers_error(tmp_path):
    (tmp_path / "scratch.txt").write_text("tests may write to /tmp")
    assert handle({"action": "nope", "params": {}})["status"] == "error"


@pytest.mark.skip(reason="shows that skips are counted")
def test_skipped():
    pass
`;
  return writeZip([
    { name: "agent.py", data: PYTHON_AGENT },
    { name: "conftest.py", data: '"""Puts the agent root on sys.path for the tests."""\n' },
    { name: "tests/test_agent.py", data: tests },
  ]);
}

export const LEAKED_AWS_KEY_ID = ["AKIA", "QYLPMN5HHHFPZAM2"].join("");
const LEAKED_AWS_SECRET = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYz9Q3nLkVtP"].join("/");

/** A working Node agent whose config.js holds an AWS access key id (line 3) and secret (line 4). */
export function awsKeyLeakAgent(): Uint8Array {
  const config = `// Deployment settings\nmodule.exports = {\n  accessKeyId: "${LEAKED_AWS_KEY_ID}",\n  aws_secret_access_key: "${LEAKED_AWS_SECRET}",\n  region: "us-east-1",\n};\n`;
  return writeZip(nodeAgent("leaky-agent", RUN_AS_MAIN, [{ name: "config.js", data: config }]));
}

/** Answers ping with status "ok" and unknown actions with "success": both wrong. */
export function wrongPingAgent(): Uint8Array {
  const body = `main(async (request) => (request.action === "ping" ? { status: "ok", message: "pong" } : { status: "success" }));`;
  return writeZip(nodeAgent("wrong-ping-agent", body));
}

/** Prints NUL bytes (and a string a naive reader would store as a lone surrogate) instead of an answer. */
export function nulOutputAgent(): Uint8Array {
  const body = `process.stderr.write("boom\\u0000\\ud800 POISON\\n"); process.stdout.write("not json\\u0000\\n"); process.exit(1);`;
  return writeZip(nodeAgent("nul-output-agent", body));
}

const SPAWN_UNTIL_REFUSED = `const { spawn } = require("node:child_process");
function spawnUntilRefused() {
  for (let i = 0; i < 120; i++) {
    try {
      const child = spawn("/usr/bin/sleep", ["30"], { stdio: "ignore" });
      child.on("error", () => {});
      child.unref();
    } catch {}
  }
}`;

/**
 * Follows the protocol and its tests pass, but both start processes until the sandbox refuses
 * more (errors swallowed): a run that hit the process limit, which must not count as a pass.
 */
export function processHogAgent(): Uint8Array {
  const test = `const test = require("node:test");
const assert = require("node:assert/strict");
${SPAWN_UNTIL_REFUSED}
test("ping answers success", async () => {
  spawnUntilRefused();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(require("../index.js").handle({ action: "ping" }).status, "success");
});
`;
  const body = `${SPAWN_UNTIL_REFUSED}\nif (require.main === module) { spawnUntilRefused(); setTimeout(() => main(handle), 300); }\nmodule.exports = { handle };`;
  return writeZip(nodeAgent("process-hog-agent", body, [{ name: "test/agent.test.js", data: test }]));
}

/** Spins forever before reading its request. */
export function loopForeverAgent(): Uint8Array {
  return writeZip(nodeAgent("loop-agent", "for (;;) {}"));
}

/** A Python agent that forks without end (and keeps trying when fork fails). */
export function forkBombAgent(): Uint8Array {
  const bomb = `import os

while True:
    try:
        os.fork()
    except OSError:
        pass
`;
  return writeZip([{ name: "agent.py", data: bomb }]);
}

/**
 * Tries a TCP connection to the host's `port` on 127.0.0.1, one to a public address and a DNS
 * lookup, then answers ping with success and what happened in `network`.
 */
export function networkAgent(port: number): Uint8Array {
  const body = `const net = require("node:net");
const dns = require("node:dns");
function connect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome) => { socket.destroy(); resolve(outcome); };
    socket.setTimeout(2000, () => done("timeout"));
    socket.on("connect", () => done("connected"));
    socket.on("error", (error) => done(error.code || error.message));
  });
}
function lookup(name) {
  return new Promise((resolve) => dns.lookup(name, (error, address) => resolve(error ? error.code : address)));
}
main(async (request) => {
  const network = { loopback: await connect("127.0.0.1", ${port}), internet: await connect("1.1.1.1", 80), dns: await lookup("example.com") };
  return request.action === "ping" ? { status: "success", network } : { status: "error", network };
});`;
  return writeZip(nodeAgent("network-agent", body));
}

/** Tries to write `hostPath` (an absolute host path), outside /agent, into /agent and /usr; reports. */
export function writeOutsideAgent(hostPath: string): Uint8Array {
  const body = `const fs = require("node:fs");
const path = require("node:path");
function tryWrite(target) {
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, "escaped");
    return "written";
  } catch (error) {
    return error.code || error.message;
  }
}
main(async (request) => {
  const targets = [${JSON.stringify(hostPath)}, path.join(__dirname, "..", "escape.txt"), path.join(__dirname, "inside.txt"), "/usr/local/escape.txt", "/etc/escape.txt"];
  const writes = Object.fromEntries(targets.map((target) => [target, tryWrite(target)]));
  return request.action === "ping" ? { status: "success", writes } : { status: "error", writes };
});`;
  return writeZip(nodeAgent("write-outside-agent", body));
}

/** 20 MiB of zeros deflated to ~20 KiB (ratio ~1000) beside a normal package.json. */
export function zipBomb(): Uint8Array {
  return writeZip([
    { name: "package.json", data: JSON.stringify({ name: "bomb", version: "1.0.0", main: "index.js" }) },
    { name: "index.js", data: "module.exports = {};\n" },
    { name: "data/zeros.bin", data: new Uint8Array(20 * 1024 ** 2), compress: true },
  ]);
}

/** One small-looking entry (declares 1 KiB) that inflates to 20 MiB: only a capped inflater stops it. */
export function lyingZipBomb(): Uint8Array {
  const zeros = new Uint8Array(20 * 1024 ** 2);
  const compressedSize = deflateRawSync(zeros).length;
  return writeZip([
    { name: "index.js", data: "module.exports = {};\n" },
    // The compressed size is what it is; only the declared uncompressed size lies.
    { name: "model.bin", data: zeros, compress: true, declaredSize: Math.min(1024, compressedSize * 2) },
  ]);
}

/** Entries that climb out of the destination: relative, absolute and backslash forms. */
export function zipSlipArchive(marker: string): Uint8Array {
  return writeZip([
    { name: "index.js", data: "module.exports = {};\n" },
    { name: `../../zip-slip-${marker}.txt`, data: "escaped" },
    { name: `/tmp/zip-slip-${marker}-absolute.txt`, data: "escaped" },
    { name: `nested/../../zip-slip-${marker}-nested.txt`, data: "escaped" },
    { name: `..\\..\\zip-slip-${marker}-windows.txt`, data: "escaped" },
  ]);
}

/** A symlink to /etc/passwd, and a symlinked directory followed by a file "inside" it. */
export function symlinkArchive(): Uint8Array {
  return writeZip([
    { name: "index.js", data: "module.exports = {};\n" },
    { name: "passwd", data: "/etc/passwd", symlink: true },
    { name: "escape", data: "/tmp", symlink: true },
    { name: "escape/planted.txt", data: "escaped" },
  ]);
}

/** Follows the protocol; its own test takes `seconds` (a validation still running when a worker is killed). */
export function slowTestsNodeAgent(seconds: number): Uint8Array {
  const test = `const test = require("node:test");
const assert = require("node:assert/strict");
const { handle } = require("../index.js");

test("ping answers success, slowly", async () => {
  await new Promise((resolve) => setTimeout(resolve, ${Math.round(seconds * 1000)}));
  assert.equal(handle({ action: "ping", params: {} }).status, "success");
});
`;
  return writeZip(nodeAgent("slow-tests-agent", RUN_AS_MAIN, [{ name: "test/slow.test.js", data: test }]), { compress: true });
}
