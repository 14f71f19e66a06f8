import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closedPort, openTestRedis, sleep } from "../../testing/redis-test-support.ts";
import { closeRedis, createRedisConnection, type Redis } from "../redis.ts";
import { createMemoryRateLimiter } from "./memory.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { createRedisRateLimiter } from "./redis.ts";

interface Backend {
  name: string;
  open(): Promise<{ limiter: RateLimiter; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "redis",
    async open() {
      const t = await openTestRedis("rl");
      return { limiter: createRedisRateLimiter(t.redis, { prefix: t.prefix }), cleanup: t.cleanup };
    },
  },
  {
    name: "memory",
    async open() {
      return { limiter: createMemoryRateLimiter(), cleanup: async () => {} };
    },
  },
];

for (const backend of backends) {
  describe(`rate limit (${backend.name})`, () => {
    let limiter: RateLimiter;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ limiter, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    test("a hit may cost several: all of it is counted, or none when it does not fit", async () => {
      expect(await limiter.hit("batch", 10, 60_000, 6)).toMatchObject({ allowed: true, remaining: 4 });
      expect(await limiter.hit("batch", 10, 60_000, 5)).toMatchObject({ allowed: false, remaining: 4 });
      expect(await limiter.hit("batch", 10, 60_000, 4)).toMatchObject({ allowed: true, remaining: 0 });
      await expect(limiter.hit("batch", 10, 60_000, 0)).rejects.toThrow(RangeError);
    });

    test("allows exactly `limit` hits, then denies with a positive retryAfter", async () => {
      const before = Date.now();
      for (let i = 1; i <= 3; i++) {
        const result = await limiter.hit("user:1", 3, 10_000);
        expect(result).toMatchObject({ allowed: true, limit: 3, remaining: 3 - i, retryAfterMs: 0 });
        expect(result.resetAt).toBeGreaterThan(before);
      }
      const denied = await limiter.hit("user:1", 3, 10_000);
      expect(denied.allowed).toBe(false);
      expect(denied.remaining).toBe(0);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(10_000);
      // Denied hits are not counted and other keys are independent.
      expect((await limiter.hit("user:1", 3, 10_000)).allowed).toBe(false);
      expect((await limiter.hit("user:2", 3, 10_000)).allowed).toBe(true);
    });

    test("concurrent hits never exceed the limit", async () => {
      const results = await Promise.all(Array.from({ length: 30 }, () => limiter.hit("burst", 10, 10_000)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      const remaining = results.filter((r) => r.allowed).map((r) => r.remaining);
      expect(new Set(remaining)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    });

    test("frees up once the window has passed", async () => {
      expect((await limiter.hit("ip", 2, 300)).allowed).toBe(true);
      expect((await limiter.hit("ip", 2, 300)).allowed).toBe(true);
      const denied = await limiter.hit("ip", 2, 300);
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(300);
      // Relative wait: resetAt comes from the store's clock, which may differ from ours.
      await sleep(denied.retryAfterMs + 30);
      expect((await limiter.hit("ip", 2, 300)).allowed).toBe(true);
    });

    test("the window slides: old hits age out one by one", async () => {
      expect((await limiter.hit("slide", 2, 1000)).allowed).toBe(true);
      await sleep(500);
      expect((await limiter.hit("slide", 2, 1000)).allowed).toBe(true);
      const denied = await limiter.hit("slide", 2, 1000);
      expect(denied.allowed).toBe(false);
      // After retryAfter only the first hit has left; the second one still counts.
      await sleep(denied.retryAfterMs + 30);
      const one = await limiter.hit("slide", 2, 1000);
      expect(one.allowed).toBe(true);
      expect(one.remaining).toBe(0);
      expect((await limiter.hit("slide", 2, 1000)).allowed).toBe(false);
    });

    test("rejects invalid arguments", async () => {
      await expect(limiter.hit("k", 0, 1000)).rejects.toThrow(RangeError);
      await expect(limiter.hit("k", 1, 0)).rejects.toThrow(RangeError);
    });
  });
}

describe("rate-limit-redis against a Redis that is down", () => {
  let redis: Redis;
  afterAll(async () => {
    await closeRedis(redis);
  });

  test("rejects quickly instead of hanging", async () => {
    redis = createRedisConnection(`redis://127.0.0.1:${await closedPort()}`);
    const limiter = createRedisRateLimiter(redis, { prefix: "down:" });
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await expect(limiter.hit("k", 1, 1000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});
