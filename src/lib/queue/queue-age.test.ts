import { afterEach, describe, expect, test } from "bun:test";
import { z } from "zod";
import { openTestRedis, sleep, type TestRedis, testRedisUrl, waitFor } from "../../testing/redis-test-support.ts";
import { createMetrics } from "../metrics.ts";
import { createRedisConnection } from "../redis.ts";
import { createMemoryQueue } from "./memory.ts";
import { defineJob, type Queue, type Worker } from "./queue.ts";
import { createRedisQueue } from "./redis.ts";

let failuresLeft = 0;
const registry = [
  defineJob({ name: "slow-lane", schema: z.object({ n: z.number() }), handler: async () => {} }),
  defineJob({ name: "fast-lane", schema: z.object({ n: z.number() }), queue: "high", handler: async () => {} }),
  defineJob({
    name: "flaky",
    schema: z.object({ n: z.number() }),
    queue: "low",
    retries: 1,
    backoffMs: 1600,
    handler: async () => {
      if (failuresLeft-- > 0) throw new Error("fails once");
    },
  }),
] as const;
type TestQueue = Queue<typeof registry>;

const backends: { name: string; open(): Promise<{ queue: TestQueue; close(): Promise<void> }> }[] = [
  {
    name: "redis",
    async open() {
      const t: TestRedis = await openTestRedis("queue-age");
      const queue = createRedisQueue(registry, {
        redis: createRedisConnection(testRedisUrl(), { name: "test-queue-age" }),
        prefix: t.prefix,
        ownsConnection: true,
      });
      return {
        queue,
        async close() {
          await queue.close({ graceMs: 0 });
          await t.cleanup();
        },
      };
    },
  },
  {
    name: "memory",
    async open() {
      const queue = createMemoryQueue(registry);
      return { queue, close: () => queue.close({ graceMs: 0 }) };
    },
  },
];

/** Queue age per queue (issue 14): the metric an operator alerts on when workers fall behind. */
for (const backend of backends) {
  describe(`oldest waiting job per queue (${backend.name})`, () => {
    let opened: Awaited<ReturnType<(typeof backends)[number]["open"]>> | undefined;
    let worker: Worker | undefined;
    afterEach(async () => {
      await worker?.stop({ graceMs: 0 });
      worker = undefined;
      await opened?.close();
      opened = undefined;
    });

    test("the job next in line ages per queue; empty queues read 0; the gauge reports it in seconds", async () => {
      opened = await backend.open();
      const { queue } = opened;
      expect(await queue.oldestWaitingAgeMs()).toEqual({ high: 0, default: 0, low: 0 });
      await queue.enqueue("slow-lane", { n: 1 });
      await sleep(400);
      await queue.enqueue("slow-lane", { n: 2 });
      await queue.enqueue("fast-lane", { n: 3 });
      const ages = await queue.oldestWaitingAgeMs();
      // The first job (400 ms old) is next in line, not the one just added.
      expect(ages.default).toBeGreaterThanOrEqual(400);
      expect(ages.default).toBeLessThan(5_000);
      expect(ages.high).toBeLessThan(200);
      expect(ages.low).toBe(0);

      const metrics = createMetrics({ queueOldestAgesMs: () => queue.oldestWaitingAgeMs() });
      const text = await metrics.registry.getSingleMetricAsString("queue_oldest_job_age_seconds");
      const seconds = (q: string) => Number(text.match(new RegExp(`queue_oldest_job_age_seconds\\{queue="${q}"\\} (\\S+)`))?.[1]);
      expect(seconds("default")).toBeGreaterThanOrEqual(0.4);
      expect(seconds("high")).toBeLessThan(0.2);
      expect(seconds("low")).toBe(0);

      // Taking the jobs empties the queues: the age drops back to 0.
      worker = queue.startWorker({ pollMs: 50, queues: ["high", "default"] });
      await waitFor("the queues to drain", async () => {
        const now = await queue.oldestWaitingAgeMs();
        return now.default === 0 && now.high === 0;
      });
    }, 20_000);

    test("a delayed job and a retry count from when they became due, not from their enqueue", async () => {
      opened = await backend.open();
      const { queue } = opened;
      // A worker on the low queue only: it promotes due jobs but never takes the high one.
      worker = queue.startWorker({ pollMs: 50, queues: ["low"] });
      await queue.enqueue("fast-lane", { n: 1 }, { delayMs: 1_200 });
      expect((await queue.oldestWaitingAgeMs()).high).toBe(0);
      await waitFor("the delayed job to be promoted", async () => (await queue.stats()).high.waiting === 1, { timeoutMs: 5_000, intervalMs: 20 });
      expect((await queue.oldestWaitingAgeMs()).high).toBeLessThan(600);
      await worker.stop({ graceMs: 1_000 });

      // The retry: the first run fails, the next attempt is due about a second later and waits
      // in the low queue (no worker now); its age starts at its due time.
      failuresLeft = 1;
      worker = queue.startWorker({ pollMs: 50, queues: ["low"] });
      await queue.enqueue("flaky", { n: 2 });
      await waitFor("the first attempt to fail", async () => (await queue.stats()).low.delayed === 1, { timeoutMs: 5_000, intervalMs: 20 });
      await worker.stop({ graceMs: 1_000 });
      // Promotion without taking: a worker on "high" promotes every due job.
      worker = queue.startWorker({ pollMs: 50, queues: ["high"] });
      await waitFor("the retry to be promoted", async () => (await queue.stats()).low.waiting === 1, { timeoutMs: 5_000, intervalMs: 20 });
      const low = (await queue.oldestWaitingAgeMs()).low;
      expect(low).toBeLessThan(700);
    }, 20_000);
  });
}
