/**
 * Runs untrusted programs (uploaded agents, their tests, checkers parsing their files) confined.
 *
 * Layers, outermost first:
 *  1. cgroup v1 `memory` + `pids` groups for the run when writable (sandbox-cgroup.ts): caps the
 *     memory and the process count of the whole tree.
 *  2. When this process is root, `setpriv` drops to an unprivileged uid of the run's own (see
 *     hostUidFor) with no supplementary groups before bwrap, which also makes RLIMIT_NPROC
 *     effective (the kernel never applies it to uid 0).
 *  3. `prlimit`: CPU seconds, address space, process count, no core files.
 *  4. bubblewrap (sandbox-args.ts): new user/pid/net/ipc/uts/mount namespaces, uid 65534, no
 *     capabilities, no network but `lo`, read-only /usr, private size-capped /tmp, the agent dir
 *     read-only at /agent, a read-only root, a cleared environment.
 *  5. A wall-clock timer that SIGKILLs the process group; bwrap's --die-with-parent then takes
 *     down its pid namespace, i.e. every process the program started, and the cgroup is emptied.
 * Output is capped per stream. Without a working bwrap nothing runs: `runSandboxed` throws
 * `SandboxUnavailableError`, and callers skip what needed the sandbox.
 */
import { spawnSync } from "node:child_process";
import { chmod, rm } from "node:fs/promises";
import { join } from "node:path";
import { bwrapArguments, findNodeRuntime, findSystemTool, type NodeRuntime } from "./args.ts";
import { cgroupsUsable, createSandboxCgroup, type SandboxCgroup } from "./cgroup.ts";
import { spawnConfined } from "./spawn.ts";
import type { SandboxAvailability, SandboxRunOptions, SandboxRunResult } from "./types.ts";
import { hostUidFor, releaseUidSlot, takeUidSlot } from "./uids.ts";
import { assertReachableByNobody, createSandboxWorkDir } from "./work-dirs.ts";

export { AGENT_MOUNT } from "./args.ts";

export type { SandboxAvailability, SandboxLimit, SandboxRunOptions, SandboxRunResult } from "./types.ts";

class SandboxUnavailableError extends Error {
  constructor(reason: string) {
    super(`Sandbox unavailable: ${reason}`);
    this.name = "SandboxUnavailableError";
  }
}

const SANDBOX_DEFAULTS = {
  memoryBytes: 512 * 1024 ** 2,
  maxProcesses: 64,
  maxOutputBytes: 1024 ** 2,
  tmpfsBytes: 64 * 1024 ** 2,
  // V8 reserves address space up front: node does not start below ~1 GiB of RLIMIT_AS.
  minAddressSpaceBytes: 2 * 1024 ** 3,
} as const;

const NPROC_BACKSTOP_MARGIN = 8;

interface HostTools {
  bwrap: string;
  prlimit: string;
  /** Present when this process is root and must drop privileges before bwrap. */
  setpriv: string | null;
  disableUserns: boolean;
  node: NodeRuntime | null;
}

let probe: Promise<SandboxAvailability> | undefined;
let cgroupProbe: Promise<boolean> | undefined;
let tools: HostTools | undefined;

/** Whether sandboxed runs work on this host (probed once by starting a trivial sandbox). */
export function sandboxAvailable(): Promise<SandboxAvailability> {
  probe ??= probeSandbox();
  return probe;
}

/**
 * What an operator needs to know: `ok` (bubblewrap and per-run cgroups), `limited` (bubblewrap,
 * but memory and process limits are per process only: no writable cgroup v1 controllers) or
 * `unavailable` (no bubblewrap: the checks that run uploaded code are skipped, and no version passes).
 */
export type SandboxState = "ok" | "limited" | "unavailable";

export async function sandboxStatus(): Promise<{ state: SandboxState; reason?: string }> {
  const availability = await sandboxAvailable();
  if (!availability.ok) return { state: "unavailable", reason: availability.reason };
  cgroupProbe ??= cgroupsUsable();
  if (await cgroupProbe) return { state: "ok" };
  return { state: "limited", reason: "no writable cgroup v1 memory and pids controllers: memory and process limits apply per process only" };
}

export async function runSandboxed(options: SandboxRunOptions): Promise<SandboxRunResult> {
  options.signal?.throwIfAborted();
  const availability = await sandboxAvailable();
  if (!availability.ok || !tools) throw new SandboxUnavailableError(availability.ok ? "not probed" : availability.reason);
  return runConfined(options, tools);
}

/** The node binary sandboxed Node programs get as `node`, or null when the host has none. */
export function sandboxNodeBinary(): string | null {
  return (tools ? tools.node : findNodeRuntime())?.binary ?? null;
}

async function probeSandbox(): Promise<SandboxAvailability> {
  if (process.platform !== "linux") return { ok: false, reason: "the bubblewrap sandbox needs Linux" };
  const bwrap = findSystemTool("bwrap");
  if (!bwrap) return { ok: false, reason: "bubblewrap (bwrap) is not installed" };
  const prlimit = findSystemTool("prlimit");
  if (!prlimit) return { ok: false, reason: "prlimit (util-linux) is not installed" };
  const isRoot = process.getuid?.() === 0;
  const setpriv = isRoot ? findSystemTool("setpriv") : null;
  if (isRoot && !setpriv) return { ok: false, reason: "running as root and setpriv (util-linux) is missing to drop privileges" };
  const help = spawnSync(bwrap, ["--help"], { encoding: "utf8", timeout: 5_000 });
  const candidate: HostTools = {
    bwrap,
    prlimit,
    setpriv,
    disableUserns: `${help.stdout}`.includes("--disable-userns"),
    node: findNodeRuntime(),
  };

  const parent = await createSandboxWorkDir();
  try {
    const dir = join(parent, "probe");
    await Bun.write(join(dir, "probe.txt"), "ok");
    await chmod(dir, 0o755);
    await chmod(join(dir, "probe.txt"), 0o644);
    const result = await runConfined({ dir, command: ["/usr/bin/cat", "probe.txt"], timeoutMs: 10_000 }, candidate);
    if (result.exitCode !== 0 || result.stdout !== "ok") {
      const detail = (result.stderr || result.stdout).trim().slice(0, 300) || `exit ${result.exitCode ?? result.signal}`;
      return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${detail}` };
    }
  } catch (error) {
    return { ok: false, reason: `bubblewrap cannot start a sandbox here: ${(error as Error).message}` };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
  tools = candidate;
  return { ok: true };
}

interface ResolvedLimits {
  memoryBytes: number;
  maxProcesses: number;
  cpuSeconds: number;
  addressSpaceBytes: number;
  maxOutputBytes: number;
}

async function runConfined(options: SandboxRunOptions, host: HostTools): Promise<SandboxRunResult> {
  if (options.command.length === 0) throw new Error("runSandboxed needs a command");
  for (const name of Object.keys(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`Invalid environment variable name: ${name}`);
  }
  if (host.setpriv) await assertReachableByNobody(options.dir);
  const memoryBytes = options.memoryBytes ?? SANDBOX_DEFAULTS.memoryBytes;
  const limits: ResolvedLimits = {
    memoryBytes,
    maxProcesses: options.maxProcesses ?? SANDBOX_DEFAULTS.maxProcesses,
    cpuSeconds: options.cpuSeconds ?? Math.ceil(options.timeoutMs / 1000) + 1,
    addressSpaceBytes: Math.max(memoryBytes, SANDBOX_DEFAULTS.minAddressSpaceBytes),
    maxOutputBytes: options.maxOutputBytes ?? SANDBOX_DEFAULTS.maxOutputBytes,
  };
  // The private /tmp is a tmpfs, whose pages are charged to the memory cgroup too.
  const cgroup = await createSandboxCgroup({ memoryBytes: memoryBytes + SANDBOX_DEFAULTS.tmpfsBytes, maxProcesses: limits.maxProcesses });
  const slot = takeUidSlot();
  try {
    return await spawnConfined(commandLine(options, host, limits, cgroup, hostUidFor(slot)), options, limits.maxOutputBytes, async () => {
      const hits = (await cgroup?.limitsHit()) ?? { processes: false, memory: false };
      await cgroup?.destroy();
      return hits;
    });
  } finally {
    releaseUidSlot(slot);
    await cgroup?.destroy();
  }
}

function commandLine(options: SandboxRunOptions, host: HostTools, limits: ResolvedLimits, cgroup: SandboxCgroup | null, hostUid: number): string[] {
  // sh joins the cgroups itself, then execs the rest, so no process of the run ever starts
  // outside them (moving a pid in after spawn would race with its first fork).
  const join = cgroup
    ? ["/bin/sh", "-c", 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"', "sandbox-join", ...cgroup.procsFiles, "--"]
    : [];
  const drop = host.setpriv ? [host.setpriv, `--reuid=${hostUid}`, `--regid=${hostUid}`, "--clear-groups", "--"] : [];
  // Soft below hard: the soft limit sends SIGXCPU (seen as the CPU limit), the hard one SIGKILL.
  // With the pids cgroup, RLIMIT_NPROC is only a backstop set above it, so the group (whose
  // refusals are counted and reported) is what a fork bomb runs into.
  const nproc = cgroup ? limits.maxProcesses + NPROC_BACKSTOP_MARGIN : limits.maxProcesses;
  const rlimits = [
    host.prlimit,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${limits.addressSpaceBytes}`,
    `--nproc=${nproc}`,
    "--core=0",
    "--",
  ];
  const bwrap = bwrapArguments({
    dir: options.dir,
    command: options.command,
    env: options.env ?? {},
    tmpfsBytes: SANDBOX_DEFAULTS.tmpfsBytes,
    node: host.node,
    disableUserns: host.disableUserns,
  });
  return [...join, ...drop, ...rlimits, host.bwrap, ...bwrap];
}
