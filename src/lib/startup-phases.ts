/**
 * Start-up phases, for the log line that says the server listens and for scripts/bench/compare.ts.
 * performance.now() counts from the process's start, so the first phase includes Bun's own boot
 * and the module graph's loading.
 */
const marks: { name: string; at: number }[] = [];

export function markPhase(name: string): void {
  marks.push({ name, at: performance.now() });
}

/** Milliseconds spent in each phase, in order: each mark ends the phase named after it. */
export function startupPhases(): Record<string, number> {
  const out: Record<string, number> = {};
  let previous = 0;
  for (const { name, at } of marks) {
    out[name] = Math.round((at - previous) * 10) / 10;
    previous = at;
  }
  return out;
}
