import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closedPort, openTestRedis, sleep, type TestRedis, waitFor } from "../../testing/redis-test-support.ts";
import { closeRedis, createRedisConnection } from "../redis.ts";
import type { Cache } from "./cache.ts";
import { createMemoryCache } from "./memory.ts";
import { createRedisCache } from "./redis.ts";

interface Backend {
  name: string;
  open(): Promise<{ cache: Cache; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "redis",
    async open() {
      const t: TestRedis = await openTestRedis("cache");
      return { cache: createRedisCache(t.redis, { prefix: t.prefix }), cleanup: t.cleanup };
    },
  },
  {
    name: "memory",
    async open() {
      const cache = createMemoryCache();
      return { cache, cleanup: () => cache.close() };
    },
  },
];

for (const backend of backends) {
  describe(`cache (${backend.name})`, () => {
    let cache: Cache;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ cache, cleanup } = await backend.open());
    });
    afterEach(async () => {
      await cleanup();
    });

    test("get returns what set stored; missing keys are null", async () => {
      expect(await cache.get("missing")).toBeNull();
      await cache.set("a", "one", 60);
      await cache.set("b", "", 60);
      expect(await cache.get("a")).toBe("one");
      expect(await cache.get("b")).toBe("");
      await cache.set("a", "two", 60);
      expect(await cache.get("a")).toBe("two");
    });

    test("entries expire after their TTL", async () => {
      await cache.set("short", "v", 0.5);
      await cache.set("long", "v", 60);
      expect(await cache.get("short")).toBe("v");
      await waitFor("short entry to expire", async () => (await cache.get("short")) === null, { timeoutMs: 3000 });
      expect(await cache.get("long")).toBe("v");
    });

    test("del removes one or many keys and ignores missing ones", async () => {
      await cache.set("x", "1", 60);
      await cache.set("y", "2", 60);
      await cache.set("z", "3", 60);
      await cache.del("x", "y", "nope");
      await cache.del();
      expect(await cache.get("x")).toBeNull();
      expect(await cache.get("y")).toBeNull();
      expect(await cache.get("z")).toBe("3");
    });

    test("incr counts from zero, is atomic under concurrency and readable with get", async () => {
      expect(await cache.incr("gen")).toBe(1);
      expect(await cache.incr("gen")).toBe(2);
      const results = await Promise.all(Array.from({ length: 50 }, () => cache.incr("gen")));
      expect(new Set(results).size).toBe(50);
      expect(Math.max(...results)).toBe(52);
      expect(await cache.get("gen")).toBe("52");
    });

    test("incr keeps an existing TTL and rejects non-integers", async () => {
      await cache.set("counter", "5", 0.5);
      expect(await cache.incr("counter")).toBe(6);
      await waitFor("counter to expire", async () => (await cache.get("counter")) === null, { timeoutMs: 3000 });
      await cache.set("text", "abc", 60);
      await expect(cache.incr("text")).rejects.toThrow(/not an integer/);
    });

    test("rejects non-positive TTLs", async () => {
      await expect(cache.set("k", "v", 0)).rejects.toThrow(RangeError);
      await expect(cache.set("k", "v", -1)).rejects.toThrow(RangeError);
    });

    test("readGenerational reads the counters and the entry they name in one call", async () => {
      expect(await cache.readGenerational(["g1", "g2"], "e:", ":x")).toEqual({ generations: ["0", "0"], value: null });
      await cache.incr("g1");
      await cache.incr("g2");
      await cache.incr("g2");
      await cache.set("e:1.2:x", "both", 60);
      await cache.set("e:1:x", "first", 60);
      expect(await cache.readGenerational(["g1", "g2"], "e:", ":x")).toEqual({ generations: ["1", "2"], value: "both" });
      expect(await cache.readGenerational(["g1", "g2"], "e:", ":x", 1)).toEqual({ generations: ["1", "2"], value: "first" });
      await cache.incr("g1");
      expect(await cache.readGenerational(["g1", "g2"], "e:", ":x", 1)).toEqual({ generations: ["2", "2"], value: null });
    });

    test("readGenerationalBytes reads the same entry, as bytes where the store keeps bytes", async () => {
      await cache.incr("b1");
      await cache.set("b:1:x", "naïve ✓", 60);
      const found = await cache.readGenerationalBytes(["b1"], "b:", ":x");
      expect(found.generations).toEqual(["1"]);
      const value = found.value;
      expect(typeof value === "string" ? value : new TextDecoder().decode(value!)).toBe("naïve ✓");
      expect((await cache.readGenerationalBytes(["b1"], "b:", ":y")).value).toBeNull();
    });

    test("ping succeeds while the store is up", async () => {
      await cache.ping();
    });
  });
}

describe("cache-memory specifics", () => {
  test("evicts the least recently used entries beyond maxEntries", async () => {
    const cache = createMemoryCache({ maxEntries: 3 });
    await cache.set("a", "1", 60);
    await cache.set("b", "2", 60);
    await cache.set("c", "3", 60);
    expect(await cache.get("a")).toBe("1"); // a is now the most recently used
    await cache.set("d", "4", 60);
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).toBe("1");
    expect(await cache.get("c")).toBe("3");
    expect(await cache.get("d")).toBe("4");
  });

  test("rejects calls after close", async () => {
    const cache = createMemoryCache();
    await cache.close();
    await expect(cache.get("a")).rejects.toThrow(/closed/);
    await expect(cache.ping()).rejects.toThrow(/closed/);
  });
});

describe("cache-redis against a Redis that is down", () => {
  const opened: ReturnType<typeof createRedisConnection>[] = [];
  afterAll(async () => {
    for (const redis of opened) await closeRedis(redis);
  });

  for (const lazyConnect of [false, true]) {
    test(`fails fast instead of hanging (lazyConnect=${lazyConnect})`, async () => {
      const redis = createRedisConnection(`redis://127.0.0.1:${await closedPort()}`, { lazyConnect });
      opened.push(redis);
      const cache = createRedisCache(redis, { prefix: "down:" });
      for (const call of [() => cache.get("k"), () => cache.set("k", "v", 1), () => cache.ping()]) {
        const started = Date.now();
        await expect(call()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(2000);
      }
      // Later calls, after several failed reconnects, still fail fast.
      await sleep(300);
      const started = Date.now();
      await expect(cache.incr("k")).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
    });
  }
});
