/** What a sandboxed run is given and what it reports (sandbox.ts runs it, spawn.ts watches it). */

export type SandboxAvailability = { ok: true } | { ok: false; reason: string };

export interface SandboxRunOptions {
  /** Host directory shown read-only at /agent (the working directory); see createSandboxWorkDir. */
  dir: string;
  command: string[];
  stdin?: string;
  timeoutMs: number;
  /** Memory of the whole run (cgroup); also the floor of the per-process address space. */
  memoryBytes?: number;
  /** CPU seconds per process (RLIMIT_CPU). Default: the wall-clock timeout in seconds, plus one. */
  cpuSeconds?: number;
  maxProcesses?: number;
  /** Per stream; the rest is read and dropped. */
  maxOutputBytes?: number;
  env?: Record<string, string>;
  /** Aborting kills the whole run at once (like the timeout) and rejects with the reason. */
  signal?: AbortSignal;
}

/** A limit the run ran into; a run that hit one proves nothing about the program. */
export type SandboxLimit = "processes" | "memory" | "cpu" | "wall_clock" | "output";

export interface SandboxRunResult {
  /** null when the program died of a signal. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  outputTruncated: boolean;
  /**
   * Every limit hit, as far as the host can tell: processes and memory need the cgroups (without
   * them RLIMIT_NPROC refusals are invisible), CPU is the SIGXCPU of RLIMIT_CPU.
   */
  limitsHit: SandboxLimit[];
  durationMs: number;
}
