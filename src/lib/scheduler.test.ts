import { afterAll, describe, expect, test } from "bun:test";
import pino from "pino";
import { openTestRedis, sleep, testRedisUrl } from "../testing/redis-test-support.ts";
import type { LockManager } from "./locks/lock.ts";
import { createMemoryLockManager } from "./locks/memory.ts";
import { createRedisLockManager } from "./locks/redis.ts";
import { closeRedis, createRedisConnection } from "./redis.ts";
import { startScheduler } from "./scheduler.ts";

const logger = pino({ level: "silent" });

async function redisInstances() {
  const shared = await openTestRedis("scheduler");
  // Two connections stand for two server instances sharing one Redis.
  const other = createRedisConnection(testRedisUrl(), { name: "test-scheduler-2" });
  return {
    locks: [createRedisLockManager(shared.redis, { prefix: shared.prefix }), createRedisLockManager(other, { prefix: shared.prefix })],
    async cleanup() {
      await closeRedis(other);
      await shared.cleanup();
    },
  };
}

const backends: Record<string, () => Promise<{ locks: LockManager[]; cleanup(): Promise<void> }>> = {
  redis: redisInstances,
  memory: async () => {
    const one = createMemoryLockManager();
    return { locks: [one, one], cleanup: async () => undefined };
  },
};

for (const [name, open] of Object.entries(backends)) {
  describe(`scheduler [${name}]`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const c of cleanups) await c();
    });

    test("two instances fire each tick exactly once between them", async () => {
      const { locks, cleanup } = await open();
      cleanups.push(cleanup);
      const runs: { instance: number; at: number }[] = [];
      const schedulers = locks.map((lockManager, instance) =>
        startScheduler([{ name: "every-second", cron: "* * * * * *", run: async () => void runs.push({ instance, at: Date.now() }) }], {
          locks: lockManager,
          logger,
        }),
      );
      await sleep(3_300);
      for (const s of schedulers) s.stop();
      const seconds = runs.map((r) => Math.round(r.at / 1000));
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(new Set(seconds).size).toBe(runs.length);
    });

    test("fire() runs a tick once; the same tick again is skipped", async () => {
      const { locks, cleanup } = await open();
      cleanups.push(cleanup);
      let count = 0;
      const entry = { name: "manual", cron: "0 0 1 1 *", run: async () => void count++ };
      const [a, b] = locks.map((lockManager) => startScheduler([entry], { locks: lockManager, logger }, { paused: true }));
      const tick = new Date("2026-01-01T00:00:00Z");
      expect(await a!.fire("manual", tick)).toBe("ran");
      expect(await b!.fire("manual", tick)).toBe("skipped");
      expect(await b!.fire("manual", new Date("2026-01-01T01:00:00Z"))).toBe("ran");
      expect(count).toBe(2);
    });

    test("a failing run is logged, not thrown, and the scheduler keeps going", async () => {
      const { locks, cleanup } = await open();
      cleanups.push(cleanup);
      const scheduler = startScheduler(
        [{ name: "broken", cron: "0 0 1 1 *", run: async () => Promise.reject(new Error("boom")) }],
        { locks: locks[0]!, logger },
        { paused: true },
      );
      expect(await scheduler.fire("broken")).toBe("ran");
      await expect(scheduler.fire("nope")).rejects.toThrow("Unknown schedule nope");
    });
  });
}
