/**
 * Starts the assembled command line and watches it: output capped per stream, the wall-clock
 * timer that kills the process group, and which limit the run ran into.
 */
import { exitStatus, readCapped } from "./output.ts";
import type { SandboxLimit, SandboxRunOptions, SandboxRunResult } from "./types.ts";

export async function spawnConfined(
  argv: string[],
  options: SandboxRunOptions,
  maxOutputBytes: number,
  afterExit: () => Promise<{ processes: boolean; memory: boolean }>,
): Promise<SandboxRunResult> {
  const started = performance.now();
  let timedOut = false;
  const proc = Bun.spawn(argv, {
    cwd: "/",
    env: { PATH: "/usr/bin:/bin" },
    stdin: options.stdin === undefined ? "ignore" : "pipe",
    stdout: "pipe",
    stderr: "pipe",
    // Its own process group, so the timer can kill the whole chain at once.
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {
      proc.kill("SIGKILL");
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  options.signal?.addEventListener("abort", killGroup, { once: true });
  const stdout = readCapped(proc.stdout, maxOutputBytes);
  const stderr = readCapped(proc.stderr, maxOutputBytes);
  if (options.stdin !== undefined && proc.stdin) {
    try {
      proc.stdin.write(options.stdin);
      await proc.stdin.end();
    } catch {
      // The program exited or closed stdin without reading it; its exit says what happened.
    }
  }
  let cgroupHits = { processes: false, memory: false };
  try {
    await proc.exited;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", killGroup);
    cgroupHits = await afterExit();
  }
  options.signal?.throwIfAborted();
  const durationMs = Math.round(performance.now() - started);
  // Once bwrap is gone its pid namespace is gone, so every writer of the pipes is dead and they
  // close at once; the grace only bounds the wait should a kernel keep one around.
  const streams = Promise.all([stdout.result, stderr.result]);
  let graceTimer: Timer | undefined;
  const grace = new Promise<void>((resolve) => {
    graceTimer = setTimeout(() => {
      stdout.cancel();
      stderr.cancel();
      resolve();
    }, 2_000);
  });
  await Promise.race([streams, grace]);
  clearTimeout(graceTimer);
  const [out, err] = await streams;
  const status = exitStatus(proc.exitCode, proc.signalCode);
  const outputTruncated = out.truncated || err.truncated;
  const hit: Record<SandboxLimit, boolean> = {
    processes: cgroupHits.processes,
    memory: cgroupHits.memory,
    cpu: status.signal === "SIGXCPU",
    wall_clock: timedOut,
    output: outputTruncated,
  };
  return {
    ...status,
    stdout: out.text,
    stderr: err.text,
    timedOut,
    outputTruncated,
    limitsHit: (Object.keys(hit) as SandboxLimit[]).filter((limit) => hit[limit]),
    durationMs,
  };
}
