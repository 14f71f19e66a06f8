/**
 * Sliding-window rate limiting (a log of hits, not fixed buckets, so there is no
 * burst of 2x the limit at a bucket edge). Redis: rate-limit-redis.ts, shared by all
 * API processes; memory: rate-limit-memory.ts, for the single-process default.
 */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Hits still allowed in the current window after this one. */
  remaining: number;
  /** Epoch ms at which the oldest counted hit leaves the window, freeing a slot. */
  resetAt: number;
  /** 0 when allowed; otherwise how long until a retry can succeed (always > 0). */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Count `cost` hits (default 1) for `key` if at most `limit - cost` hits happened in the
   * last `windowMs`: all of them or none. Denied hits are not counted, so a client that keeps hammering is
   * let through again as soon as old hits age out.
   */
  hit(key: string, limit: number, windowMs: number, cost?: number): Promise<RateLimitResult>;
}

export function assertRateLimitArgs(limit: number, windowMs: number, cost = 1): void {
  if (!Number.isInteger(cost) || cost < 1) throw new RangeError(`Rate limit cost must be an integer >= 1, got ${cost}`);
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Rate limit must be an integer >= 1, got ${limit}`);
  if (!Number.isInteger(windowMs) || windowMs < 1) {
    throw new RangeError(`Rate limit window must be an integer >= 1 ms, got ${windowMs}`);
  }
}

/** Build the result from the post-hit state shared by both implementations. */
export function rateLimitResult(allowed: boolean, limit: number, count: number, now: number, oldestHit: number, windowMs: number): RateLimitResult {
  const resetAt = oldestHit + windowMs;
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - count),
    resetAt,
    retryAfterMs: allowed ? 0 : Math.max(1, resetAt - now),
  };
}
