import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "../../testing/redis-test-support.ts";
import { sweepSandboxLeftovers } from "./work-dirs.ts";

/**
 * A worker killed with -9 in the middle of a sandboxed run leaves its work dir and its cgroups
 * (the run's processes die with it: bwrap's --die-with-parent). The sweep removes exactly
 * those, never the dirs of a live process.
 */
const ownCgroup = (controller: string): string | undefined =>
  readFileSync("/proc/self/cgroup", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find(([, controllers]) => controllers?.split(",").includes(controller))?.[2];

describe("sweeping what a killed worker left", () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  test("work dirs and cgroups of a dead pid go; a live process's stay", async () => {
    const parent = await mkdtemp(join(tmpdir(), "am-sweep-"));
    cleanup.push(parent);
    // Like /tmp, the parent of sandbox work dirs must be traversable by the sandbox's own uid.
    await chmod(parent, 0o755);
    const script = join(parent, "victim.ts");
    await writeFile(
      script,
      `import { mkdir, chmod } from "node:fs/promises";
import { runSandboxed } from ${JSON.stringify(join(import.meta.dir, "sandbox.ts"))};
import { createSandboxWorkDir } from ${JSON.stringify(join(import.meta.dir, "work-dirs.ts"))};
const dir = await createSandboxWorkDir(${JSON.stringify(parent)});
await mkdir(dir + "/agent"); await chmod(dir + "/agent", 0o755);
const run = runSandboxed({ dir: dir + "/agent", command: ["/usr/bin/sleep", "60"], timeoutMs: 60_000 });
console.log("running");
await run;
`,
    );
    const victim = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
    const reader = victim.stdout.getReader();
    await reader.read();
    const memoryParent = ownCgroup("memory");
    const groupsOf = (pid: number) =>
      memoryParent === undefined ? [] : readdirSync(join("/sys/fs/cgroup/memory", memoryParent)).filter((n) => n.startsWith(`agent-sandbox-${pid}-`));
    await waitFor("the sandbox's cgroup", () => memoryParent === undefined || groupsOf(victim.pid).length > 0, { timeoutMs: 10_000, intervalMs: 20 });
    const mine = await mkdtemp(join(parent, `agent-validation-${process.pid}-`));
    victim.kill("SIGKILL");
    await victim.exited;
    const leftDirs = readdirSync(parent).filter((n) => n.startsWith(`agent-validation-${victim.pid}-`));
    expect(leftDirs).toHaveLength(1);
    expect(groupsOf(victim.pid).length).toBeGreaterThan(0);

    const swept = await sweepSandboxLeftovers(parent);
    expect(swept.workDirs).toBe(1);
    expect(readdirSync(parent).filter((n) => n.startsWith(`agent-validation-${victim.pid}-`))).toEqual([]);
    expect(existsSync(mine)).toBe(true);
    expect(groupsOf(victim.pid)).toEqual([]);
    if (memoryParent !== undefined) expect(swept.cgroups).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
