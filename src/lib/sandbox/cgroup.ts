/**
 * Per-run cgroup v1 `memory` and `pids` groups for the sandbox (src/lib/sandbox.ts).
 *
 * Why cgroups on top of prlimit: RLIMIT_AS is per process and node needs >= 1 GiB of it, so it
 * does not cap what a tree of processes uses; RLIMIT_NPROC counts every process of one uid on
 * the host, so concurrent sandboxes would share it. A cgroup caps the whole tree of one run.
 *
 * The groups are created as children of the groups this process is already in (read from
 * /proc/self/cgroup), so whatever limits and accounting the host puts on this service also apply
 * to the sandbox. Only cgroup v1 is handled: under v2 the "no internal processes" rule forbids
 * enabling controllers below a group that holds this process. Without writable v1 controllers
 * `createSandboxCgroup` returns null and the caller relies on prlimit alone.
 */
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { processAlive } from "../process-alive.ts";

const CGROUP_ROOT = "/sys/fs/cgroup";

export interface SandboxCgroup {
  /** `cgroup.procs` files a starting process writes its own pid into (one per controller). */
  readonly procsFiles: string[];
  /** Which of the group's limits the run ran into (read before destroy). Never throws. */
  limitsHit(): Promise<{ processes: boolean; memory: boolean }>;
  /** SIGKILL every process still in the groups, then remove them. Never throws. */
  destroy(): Promise<void>;
}

export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
}

/** Creates `memory` and `pids` groups with the limits, or null when that is not possible here. */
export async function createSandboxCgroup(limits: CgroupLimits): Promise<SandboxCgroup | null> {
  const own = await ownCgroupPaths();
  const memoryParent = own.get("memory");
  const pidsParent = own.get("pids");
  if (memoryParent === undefined || pidsParent === undefined) return null;

  const name = `agent-sandbox-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const memoryDir = join(CGROUP_ROOT, "memory", memoryParent, name);
  const pidsDir = join(CGROUP_ROOT, "pids", pidsParent, name);
  const created: string[] = [];
  try {
    for (const dir of [memoryDir, pidsDir]) {
      await mkdir(dir);
      created.push(dir);
    }
    await writeFile(join(memoryDir, "memory.limit_in_bytes"), String(limits.memoryBytes));
    // Keep swap out of reach too when the kernel accounts it (absent without swap accounting).
    await writeFile(join(memoryDir, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes)).catch(() => undefined);
    await writeFile(join(pidsDir, "pids.max"), String(limits.maxProcesses));
  } catch {
    await removeGroups(created);
    return null;
  }
  return {
    procsFiles: [join(memoryDir, "cgroup.procs"), join(pidsDir, "cgroup.procs")],
    limitsHit: async () => ({
      // pids.events: "max N", forks refused at pids.max; memory.failcnt: charges refused at the limit.
      processes: counter(await readFile(join(pidsDir, "pids.events"), "utf8").catch(() => ""), /^max (\d+)$/m) > 0,
      memory:
        counter(await readFile(join(memoryDir, "memory.failcnt"), "utf8").catch(() => ""), /^(\d+)$/m) > 0 ||
        counter(await readFile(join(memoryDir, "memory.oom_control"), "utf8").catch(() => ""), /^oom_kill (\d+)$/m) > 0,
    }),
    destroy: () => removeGroups(created),
  };
}

function counter(text: string, pattern: RegExp): number {
  return Number(pattern.exec(text)?.[1] ?? 0);
}

/** Controller name -> path of this process's group in that v1 hierarchy. */
async function ownCgroupPaths(): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  const text = await readFile("/proc/self/cgroup", "utf8").catch(() => "");
  for (const line of text.split("\n")) {
    // v1 lines look like "4:memory:/some/path"; the v2 line is "0::/path" and is skipped.
    const [, controllers, path] = line.split(":");
    if (!controllers || path === undefined) continue;
    for (const controller of controllers.split(",")) paths.set(controller, path);
  }
  return paths;
}

async function removeGroups(dirs: string[]): Promise<void> {
  // A group can only be removed once empty; processes die asynchronously after SIGKILL, so retry.
  for (let attempt = 0; attempt < 100 && dirs.length > 0; attempt++) {
    for (const dir of [...dirs]) {
      await killMembers(dir);
      const removed = await rmdir(dir).then(
        () => true,
        (error: NodeJS.ErrnoException) => error.code === "ENOENT",
      );
      if (removed) dirs.splice(dirs.indexOf(dir), 1);
    }
    if (dirs.length > 0) await Bun.sleep(20);
  }
}

async function killMembers(dir: string): Promise<void> {
  const text = await readFile(join(dir, "cgroup.procs"), "utf8").catch(() => "");
  for (const pid of text
    .split("\n")
    .map(Number)
    .filter((n) => n > 0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * Removes the groups of runs whose process is gone (a worker killed with -9 leaves its groups, and
 * any sandboxed process still in them); the names carry the creating pid. Returns how many.
 */
export async function sweepDeadCgroups(): Promise<number> {
  const own = await ownCgroupPaths();
  let swept = 0;
  for (const controller of ["memory", "pids"]) {
    const parentPath = own.get(controller);
    if (parentPath === undefined) continue;
    const parent = join(CGROUP_ROOT, controller, parentPath);
    const names = await readdir(parent).catch(() => [] as string[]);
    for (const name of names) {
      const pid = /^agent-sandbox-(\d+)-/.exec(name)?.[1];
      if (pid === undefined || processAlive(Number(pid))) continue;
      await removeGroups([join(parent, name)]);
      swept++;
    }
  }
  return swept;
}

/** Whether per-run groups can be made here (made and removed once, as a probe). */
export async function cgroupsUsable(): Promise<boolean> {
  const group = await createSandboxCgroup({ memoryBytes: 64 * 1024 ** 2, maxProcesses: 8 });
  if (!group) return false;
  await group.destroy();
  return true;
}
