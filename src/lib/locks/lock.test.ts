import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { openTestRedis, sleep, waitFor } from "../../testing/redis-test-support.ts";
import type { Lock, LockManager } from "./lock.ts";
import { withLock } from "./lock.ts";
import { createMemoryLockManager } from "./memory.ts";
import { createRedisLockManager } from "./redis.ts";

interface Backend {
  name: string;
  /** Two managers over the same store, standing in for two processes. */
  open(): Promise<{ a: LockManager; b: LockManager; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "redis",
    async open() {
      const one = await openTestRedis("lock");
      const two = await openTestRedis("lock");
      return {
        a: createRedisLockManager(one.redis, { prefix: one.prefix }),
        b: createRedisLockManager(two.redis, { prefix: one.prefix }),
        async cleanup() {
          await one.cleanup();
          await two.cleanup();
        },
      };
    },
  },
  {
    name: "memory",
    async open() {
      const manager = createMemoryLockManager();
      return { a: manager, b: manager, cleanup: async () => {} };
    },
  },
];

/** Poll until `key` can be taken (its previous holder's TTL ran out). */
async function acquireEventually(manager: LockManager, key: string, ttlMs: number): Promise<Lock> {
  let lock: Lock | null = null;
  await waitFor(
    `lock ${key} to become free`,
    async () => {
      lock = await manager.acquire(key, ttlMs);
      return lock !== null;
    },
    {
      timeoutMs: 3000,
    },
  );
  if (!lock) throw new Error(`lock ${key} not acquired`);
  return lock;
}

for (const backend of backends) {
  describe(`lock (${backend.name})`, () => {
    let a: LockManager;
    let b: LockManager;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ a, b, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    test("exactly one of many concurrent acquirers wins", async () => {
      const attempts = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).acquire("job", 10_000));
      const locks = await Promise.all(attempts);
      expect(locks.filter((lock) => lock !== null)).toHaveLength(1);
    });

    test("release lets the next acquirer in; different keys do not conflict", async () => {
      const first = await a.acquire("k", 10_000);
      expect(first).not.toBeNull();
      expect(await b.acquire("k", 10_000)).toBeNull();
      expect(await b.acquire("other", 10_000)).not.toBeNull();
      await first?.release();
      await first?.release(); // idempotent
      expect(await b.acquire("k", 10_000)).not.toBeNull();
    });

    test("a lock expires after its TTL", async () => {
      expect(await a.acquire("ttl", 500)).not.toBeNull();
      expect(await b.acquire("ttl", 500)).toBeNull();
      expect(await acquireEventually(b, "ttl", 10_000)).toBeDefined();
    });

    test("a holder whose lock expired cannot release or extend the new holder's lock", async () => {
      const stale = await a.acquire("owned", 100);
      expect(stale).not.toBeNull();
      const held = await acquireEventually(b, "owned", 10_000);
      await stale?.release();
      expect(await stale?.extend(10_000)).toBe(false);
      expect(await a.acquire("owned", 10_000)).toBeNull();
      expect(await held.extend(10_000)).toBe(true);
      await held.release();
      expect(await a.acquire("owned", 10_000)).not.toBeNull();
    });

    test("extend keeps the lock beyond its original TTL", async () => {
      const lock = await a.acquire("long", 400);
      expect(lock).not.toBeNull();
      for (let i = 0; i < 4; i++) {
        await sleep(150);
        expect(await lock?.extend(400)).toBe(true);
      }
      expect(await b.acquire("long", 400)).toBeNull();
    });

    test("withLock runs fn once per holder and reports when the lock is taken", async () => {
      let running = 0;
      let maxRunning = 0;
      let runs = 0;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          withLock(i % 2 === 0 ? a : b, "section", 5000, async () => {
            running++;
            runs++;
            maxRunning = Math.max(maxRunning, running);
            await sleep(50);
            running--;
            return "done";
          }),
        ),
      );
      expect(maxRunning).toBe(1);
      expect(results.filter((r) => r.acquired)).toEqual([{ acquired: true, result: "done" }]);
      expect(runs).toBe(1);
      // Released afterwards, also when fn throws.
      await expect(
        withLock(a, "section", 5000, async () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await withLock(b, "section", 5000, async () => 42)).toEqual({ acquired: true, result: 42 });
    });

    test("withLock renews the lock while fn outlives the TTL", async () => {
      const outcome = await withLock(a, "renewed", 300, async ({ signal }) => {
        await sleep(900);
        const rival = await b.acquire("renewed", 300);
        return { rivalGotIt: rival !== null, lost: signal.aborted };
      });
      expect(outcome).toEqual({ acquired: true, result: { rivalGotIt: false, lost: false } });
      expect(await b.acquire("renewed", 300)).not.toBeNull();
    });

    test("rejects invalid TTLs", async () => {
      await expect(a.acquire("bad", 0)).rejects.toThrow(RangeError);
      await expect(a.acquire("bad", 1.5)).rejects.toThrow(RangeError);
    });
  });
}
