/**
 * The directories sandboxed runs read from: made private to this process but reachable by the
 * sandbox's unprivileged uid, named after this process so that the leftovers of a killed worker
 * can be told from a live one's and swept.
 */
import { chmod, lstat, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { processAlive } from "../process-alive.ts";
import { sweepDeadCgroups } from "./cgroup.ts";

/**
 * A fresh directory for files a sandbox will read: mode 0711, so the sandbox's unprivileged user can
 * reach a known path inside it but nobody can list it. Put the agent's files in a subdirectory
 * with modes 0755/0644.
 */
export async function createSandboxWorkDir(parent = tmpdir()): Promise<string> {
  // Named after this process, so a sweep can tell the dirs of a killed worker (sweepSandboxLeftovers).
  const dir = await mkdtemp(join(parent, `${WORK_DIR_PREFIX}${process.pid}-`));
  await chmod(dir, 0o711);
  return dir;
}

const WORK_DIR_PREFIX = "agent-validation-";

/**
 * Leftovers of workers that died without cleaning up (kill -9, OOM): their work dirs under
 * `parent` and their cgroups (with any sandboxed process still in them). Run at start and on a
 * timer by every process that validates; safe beside live workers, whose pids are alive.
 */
export async function sweepSandboxLeftovers(parent = tmpdir()): Promise<{ workDirs: number; cgroups: number }> {
  let workDirs = 0;
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(WORK_DIR_PREFIX)) continue;
    const pid = /^(\d+)-/.exec(name.slice(WORK_DIR_PREFIX.length))?.[1];
    if (pid === undefined || processAlive(Number(pid))) continue;
    await rm(join(parent, name), { recursive: true, force: true }).catch(() => undefined);
    workDirs++;
  }
  return { workDirs, cgroups: await sweepDeadCgroups() };
}

/** bwrap runs unprivileged when we are root: it must be able to reach `dir` to bind it. */
export async function assertReachableByNobody(dir: string): Promise<void> {
  const own = await lstat(dir);
  if (!own.isDirectory() || (own.mode & 0o005) !== 0o005) {
    throw new Error(`Sandbox dir ${dir} must be a directory readable by others (0755); see createSandboxWorkDir`);
  }
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const stat = await lstat(parent);
    if ((stat.mode & 0o001) === 0) throw new Error(`Sandbox dir ${dir} is not reachable by the sandbox user: ${parent} lacks o+x`);
    if (parent === "/") break;
  }
}
