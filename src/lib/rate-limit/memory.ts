import type { RateLimiter } from "./rate-limit.ts";
import { assertRateLimitArgs, rateLimitResult } from "./rate-limit.ts";

export interface MemoryRateLimiterOptions {
  now?: () => number;
  /** Drop idle keys every this many hits, so one-off clients (IPs) do not accumulate. */
  sweepEvery?: number;
}

interface Window {
  /** Hit times, oldest first. */
  hits: number[];
  windowMs: number;
}

export function createMemoryRateLimiter(opts: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  const sweepEvery = opts.sweepEvery ?? 1000;
  const windows = new Map<string, Window>();
  let hitsSinceSweep = 0;

  const trim = (window: Window, at: number): void => {
    const cutoff = at - window.windowMs;
    let expired = 0;
    while (expired < window.hits.length && (window.hits[expired] ?? Infinity) <= cutoff) expired++;
    if (expired > 0) window.hits.splice(0, expired);
  };

  const sweep = (at: number): void => {
    for (const [key, window] of windows) {
      trim(window, at);
      if (window.hits.length === 0) windows.delete(key);
    }
  };

  return {
    async hit(key, limit, windowMs, cost = 1) {
      assertRateLimitArgs(limit, windowMs, cost);
      const at = now();
      if (++hitsSinceSweep >= sweepEvery) {
        hitsSinceSweep = 0;
        sweep(at);
      }
      let window = windows.get(key);
      if (!window) {
        window = { hits: [], windowMs };
        windows.set(key, window);
      }
      window.windowMs = windowMs;
      trim(window, at);
      const allowed = window.hits.length + cost <= limit;
      if (allowed) for (let i = 0; i < cost; i++) window.hits.push(at);
      return rateLimitResult(allowed, limit, window.hits.length, at, window.hits[0] ?? at, windowMs);
    },
  };
}
