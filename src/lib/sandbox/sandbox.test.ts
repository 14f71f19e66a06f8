import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processesMatching } from "../../testing/validation-support.ts";
import { runSandboxed, sandboxAvailable } from "./sandbox.ts";
import { createSandboxWorkDir } from "./work-dirs.ts";

const PYTHON = "/usr/bin/python3";
let workDir: string;
let agentDir: string;

beforeAll(async () => {
  workDir = await createSandboxWorkDir();
  agentDir = join(workDir, "agent");
  await mkdir(agentDir);
  await chmod(agentDir, 0o755);
  await writeFile(join(agentDir, "hello.txt"), "hello from the agent dir");
  await chmod(join(agentDir, "hello.txt"), 0o644);
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const python = (code: string, options: { timeoutMs?: number; stdin?: string; memoryBytes?: number; cpuSeconds?: number; maxOutputBytes?: number } = {}) =>
  runSandboxed({ dir: agentDir, command: [PYTHON, "-c", code], timeoutMs: 10_000, ...options });

describe("sandbox", () => {
  test("is available on this machine (bubblewrap installed by scripts/services/up.sh)", async () => {
    expect(await sandboxAvailable()).toEqual({ ok: true });
  });

  test("runs as uid 65534 inside, without capabilities or the host environment, the agent dir read-only at /agent", async () => {
    process.env.SANDBOX_TEST_HOST_SECRET = "must-not-leak";
    const result = await python(`
import json, os
def attempt(path):
    try:
        open(path, "w").write("x")
        return "written"
    except OSError as error:
        return error.strerror
caps = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0]
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "caps": caps, "cwd": os.getcwd(), "env": sorted(os.environ),
  "hello": open("/agent/hello.txt").read(), "agent": attempt("/agent/new.txt"), "root": attempt("/new.txt"),
  "usr": attempt("/usr/new.txt"), "tmp": attempt("/tmp/new.txt")}))
`);
    delete process.env.SANDBOX_TEST_HOST_SECRET;
    expect(result.exitCode).toBe(0);
    const seen = JSON.parse(result.stdout);
    expect(seen).toMatchObject({ uid: 65534, gid: 65534, caps: "0000000000000000", cwd: "/agent", hello: "hello from the agent dir" });
    expect(seen.env).not.toContain("SANDBOX_TEST_HOST_SECRET");
    expect(seen.agent).toBe("Read-only file system");
    expect(seen.root).toBe("Read-only file system");
    expect(seen.usr).toBe("Read-only file system");
    expect(seen.tmp).toBe("written");
  });

  test("sees no host files, processes or network interfaces but loopback", async () => {
    let hostConnections = 0;
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: () => void hostConnections++, data: () => undefined } });
    try {
      const result = await python(`
import json, os, socket
def connect(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "connected"
    except OSError as error:
        return type(error).__name__
print(json.dumps({"interfaces": [name for _, name in socket.if_nameindex()], "host": connect("127.0.0.1", ${server.port}),
  "internet": connect("1.1.1.1", 80), "root": sorted(os.listdir("/")), "passwd": os.path.exists("/etc/passwd"),
  "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}))
`);
      const seen = JSON.parse(result.stdout);
      expect(seen.interfaces).toEqual(["lo"]);
      expect(seen.host).toBe("ConnectionRefusedError");
      expect(seen.internet).toBe("OSError");
      expect(hostConnections).toBe(0);
      expect(seen.root).toEqual(expect.arrayContaining(["agent", "tmp", "usr"]));
      expect(seen.root).not.toContain("work");
      expect(seen.root).not.toContain("root");
      expect(seen.passwd).toBe(false);
      // Its own pid namespace: bwrap's init and the program.
      expect(seen.pids.length).toBeLessThanOrEqual(3);
    } finally {
      server.stop(true);
    }
  });

  test("passes stdin and reports the exit code", async () => {
    const result = await python("import sys; print(sys.stdin.read()[::-1]); sys.exit(3)", { stdin: "olleh" });
    expect(result).toMatchObject({ exitCode: 3, signal: null, stdout: "hello\n", timedOut: false, outputTruncated: false });
  });

  test("kills the whole process tree at the wall-clock limit", async () => {
    const marker = `${300 + Math.random()}`.slice(0, 10);
    const result = await python(`import subprocess, time\nsubprocess.Popen(["/usr/bin/sleep", "${marker}"])\ntime.sleep(600)`, { timeoutMs: 1_000 });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(result.durationMs).toBeLessThan(5_000);
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
  });

  test("caps the output it keeps", async () => {
    const result = await python("import sys\nfor _ in range(5000): sys.stdout.write('x' * 1000)", { maxOutputBytes: 1_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toHaveLength(1_000);
    expect(result.outputTruncated).toBe(true);
  });

  test("caps memory", async () => {
    const result = await python("x = bytearray(1536 * 1024 * 1024)\nprint('allocated')", { memoryBytes: 256 * 1024 ** 2 });
    expect(result.stdout).not.toContain("allocated");
    expect(result.exitCode).not.toBe(0);
  });

  test("caps CPU time", async () => {
    const result = await python("while True: pass", { cpuSeconds: 1, timeoutMs: 15_000 });
    expect(result.timedOut).toBe(false);
    expect(["SIGKILL", "SIGXCPU"]).toContain(result.signal ?? "none");
    expect(result.durationMs).toBeLessThan(10_000);
  });

  test("contains a fork bomb: the host can still start processes and nothing is left behind", async () => {
    const marker = `fork-bomb-${crypto.randomUUID()}`;
    const started = performance.now();
    const result = await python(`# ${marker}\nimport os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass`, { timeoutMs: 3_000 });
    expect(result.timedOut).toBe(true);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(processesMatching(marker)).toEqual([]);
    const host = Bun.spawnSync(["/usr/bin/true"]);
    expect(host.exitCode).toBe(0);
  });

  test("a fork bomb does not starve a sandbox running beside it (each run has its own process budget)", async () => {
    const bomb = python("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", { timeoutMs: 4_000 });
    const neighbour = python("import subprocess, time\ntime.sleep(1.5)\nprint(subprocess.run(['/usr/bin/true']).returncode)", { timeoutMs: 10_000 });
    const [bombed, result] = await Promise.all([bomb, neighbour]);
    expect(bombed.timedOut).toBe(true);
    expect({ exitCode: result.exitCode, stdout: result.stdout.trim() }).toEqual({ exitCode: 0, stdout: "0" });
  });

  test.skipIf(process.getuid?.() !== 0)("refuses a dir the sandbox user could not reach", async () => {
    const hidden = await mkdtemp(join(tmpdir(), "sandbox-private-"));
    try {
      await expect(runSandboxed({ dir: hidden, command: ["/usr/bin/true"], timeoutMs: 5_000 })).rejects.toThrow(/readable by others|not reachable/);
    } finally {
      await rm(hidden, { recursive: true, force: true });
    }
  });

  describe("reports every limit the run hit", () => {
    test("a clean run hit none", async () => {
      expect((await python("print('ok')")).limitsHit).toEqual([]);
    });

    test("processes: a fork bomb", async () => {
      const result = await python("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", { timeoutMs: 3_000 });
      expect(result.limitsHit).toContain("processes");
    });

    test("memory: a program that allocates past its memory", async () => {
      const result = await python("chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))", { memoryBytes: 64 * 1024 ** 2 });
      expect(result.limitsHit).toContain("memory");
    });

    test("cpu: a busy loop past its CPU seconds", async () => {
      const result = await python("while True:\n    pass", { cpuSeconds: 1, timeoutMs: 10_000 });
      expect(result.limitsHit).toEqual(["cpu"]);
    });

    test("wall clock: a program that sleeps past the timeout", async () => {
      const result = await python("import time\ntime.sleep(30)", { timeoutMs: 500 });
      expect(result.limitsHit).toEqual(["wall_clock"]);
    });

    test("output: more than the output cap", async () => {
      const result = await python("print('x' * 100000)", { maxOutputBytes: 1000 });
      expect(result.limitsHit).toEqual(["output"]);
    });
  });
});
