import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { openTestRedis, sleep, type TestRedis, testRedisUrl, waitFor } from "../../testing/redis-test-support.ts";
import { createRedisConnection } from "../redis.ts";
import { createMemoryQueue, MemoryQueueStore } from "./memory.ts";
import type { JobRegistry, Queue, QueueName, WorkerOptions } from "./queue.ts";
import { defineJob, InvalidJobPayload, JobTimeout, UnknownJob, WorkerStopped } from "./queue.ts";
import { createRedisQueue } from "./redis.ts";
import { encodeEnvelope } from "./transport.ts";

/** Timers shortened so recovery paths finish in well under a second. */
const FAST: WorkerOptions = { pollMs: 50, heartbeatIntervalMs: 50, heartbeatTtlMs: 1000, reapIntervalMs: 100 };

interface Harness {
  /** A new Queue over the shared store; for Redis each one has its own connection, like another process. */
  queue<R extends JobRegistry>(registry: R): Queue<R>;
  /** Put a raw job straight into a queue, bypassing enqueue's validation. */
  pushRaw(queue: QueueName, raw: string): Promise<void>;
  /** Leave `raw` in the processing list of a worker whose heartbeat has expired. */
  orphan(raw: string): Promise<void>;
  cleanup(): Promise<void>;
}

interface Backend {
  name: "redis" | "memory";
  open(): Promise<Harness & { redis?: TestRedis }>;
}

function tracked(): { track<R extends JobRegistry>(q: Queue<R>): Queue<R>; closeAll(): Promise<void> } {
  const queues: Queue<JobRegistry>[] = [];
  return {
    track(q) {
      queues.push(q as unknown as Queue<JobRegistry>);
      return q;
    },
    async closeAll() {
      await Promise.all(queues.map((q) => q.close({ graceMs: 0 })));
    },
  };
}

const backends: Backend[] = [
  {
    name: "redis",
    async open() {
      const t = await openTestRedis("queue");
      const queues = tracked();
      return {
        redis: t,
        queue: (registry) =>
          queues.track(
            createRedisQueue(registry, {
              redis: createRedisConnection(testRedisUrl(), { name: "test-queue" }),
              prefix: t.prefix,
              ownsConnection: true,
            }),
          ),
        async pushRaw(queue, raw) {
          await t.redis.lpush(`${t.prefix}q:${queue}`, raw);
        },
        async orphan(raw) {
          const ghost = `ghost-${randomUUID()}`;
          await t.redis.lpush(`${t.prefix}processing:${ghost}`, raw);
          await t.redis.sadd(`${t.prefix}workers`, ghost);
        },
        async cleanup() {
          await queues.closeAll();
          await t.cleanup();
        },
      };
    },
  },
  {
    name: "memory",
    async open() {
      const store = new MemoryQueueStore();
      const queues = tracked();
      return {
        queue: (registry) => queues.track(createMemoryQueue(registry, { store })),
        pushRaw: (queue, raw) => store.push(queue, raw, 0),
        async orphan(raw) {
          const ghost = `ghost-${randomUUID()}`;
          await store.push("default", raw, 0);
          expect(await store.fetch(ghost, ["default"], 0)).toBe(raw);
          await store.heartbeat(ghost, 1);
        },
        cleanup: () => queues.closeAll(),
      };
    },
  },
];

const item = z.object({ n: z.number().int() });

async function waitForIdle<R extends JobRegistry>(queue: Queue<R>): Promise<void> {
  await waitFor("the queue to be idle", async () => {
    const stats = await queue.stats();
    return Object.values(stats).every((c) => c.waiting === 0 && c.running === 0 && c.delayed === 0);
  });
}

function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
}

for (const backend of backends) {
  describe(`queue (${backend.name})`, () => {
    let h: Harness & { redis?: TestRedis };

    beforeEach(async () => {
      h = await backend.open();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test("an enqueued job is handled exactly once", async () => {
      const seen: { n: number; jobId: string; attempt: number }[] = [];
      const record = defineJob({
        name: "record",
        schema: item,
        handler: async ({ n }, ctx) => {
          seen.push({ n, jobId: ctx.jobId, attempt: ctx.attempt });
        },
      });
      const queue = h.queue([record] as const);
      const id = await queue.enqueue("record", { n: 7 });
      expect((await queue.stats()).default.waiting).toBe(1);
      queue.startWorker(FAST);
      await waitFor("the job to run", () => seen.length === 1);
      await waitForIdle(queue);
      await sleep(100);
      expect(seen).toEqual([{ n: 7, jobId: id, attempt: 1 }]);
      expect((await queue.stats()).default).toEqual({ waiting: 0, running: 0, delayed: 0, dead: 0 });
    });

    test("invalid payloads are rejected at enqueue and again by the worker", async () => {
      const ran: number[] = [];
      const record = defineJob({ name: "record", schema: item, handler: async ({ n }) => void ran.push(n) });
      const queue = h.queue([record] as const);
      // @ts-expect-error n must be a number
      await expect(queue.enqueue("record", { n: "x" })).rejects.toBeInstanceOf(InvalidJobPayload);
      await expect(queue.enqueue("record", { n: 1.5 })).rejects.toThrow(/Invalid payload for job record/);
      // @ts-expect-error not a registered job
      await expect(queue.enqueue("nope", { n: 1 })).rejects.toBeInstanceOf(UnknownJob);
      expect((await queue.stats()).default.waiting).toBe(0);

      const forged = { id: "forged", name: "record", queue: "default", payload: { n: "x" }, attempt: 1, enqueuedAt: 0 } as const;
      await h.pushRaw("default", encodeEnvelope(forged));
      queue.startWorker(FAST);
      await waitFor("the forged job to be dead", async () => (await queue.stats()).default.dead === 1);
      const [dead] = await queue.listDead();
      expect(dead).toMatchObject({ id: "forged", name: "record", attempts: 1 });
      expect(dead?.error).toMatch(/Invalid payload/);
      expect(ran).toEqual([]);
    });

    test("higher priority queues are served first, FIFO within a queue", async () => {
      const order: string[] = [];
      const job = <N extends string>(name: N, queue: QueueName) =>
        defineJob({ name, queue, schema: item, handler: async ({ n }) => void order.push(`${name}${n}`) });
      const queue = h.queue([job("urgent", "high"), job("normal", "default"), job("bulk", "low")] as const);
      await queue.enqueue("bulk", { n: 1 });
      await queue.enqueue("normal", { n: 1 });
      await queue.enqueue("urgent", { n: 1 });
      await queue.enqueue("bulk", { n: 2 });
      await queue.enqueue("normal", { n: 2 });
      await queue.enqueue("urgent", { n: 2 });
      const stats = await queue.stats();
      expect([stats.high.waiting, stats.default.waiting, stats.low.waiting]).toEqual([2, 2, 2]);
      queue.startWorker({ ...FAST, concurrency: 1 });
      await waitFor("all jobs to run", () => order.length === 6);
      expect(order).toEqual(["urgent1", "urgent2", "normal1", "normal2", "bulk1", "bulk2"]);
    });

    test("a failing job is retried with backoff until it succeeds", async () => {
      const attempts: number[] = [];
      const flaky = defineJob({
        name: "flaky",
        schema: item,
        retries: 3,
        backoffMs: 20,
        handler: async (_payload, ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} failed`);
        },
      });
      const queue = h.queue([flaky] as const);
      await queue.enqueue("flaky", { n: 1 });
      queue.startWorker(FAST);
      await waitFor("the third attempt", () => attempts.length === 3);
      await waitForIdle(queue);
      expect(attempts).toEqual([1, 2, 3]);
      expect((await queue.stats()).default.dead).toBe(0);
    });

    test("exhausted retries go to the dead letter list; retryDead runs the job again", async () => {
      let fixed = false;
      const runs: { attempt: number; fixed: boolean }[] = [];
      const doomed = defineJob({
        name: "doomed",
        queue: "low",
        schema: item,
        retries: 1,
        backoffMs: 10,
        handler: async ({ n }, ctx) => {
          runs.push({ attempt: ctx.attempt, fixed });
          if (!fixed) throw new Error(`boom ${n}`);
        },
      });
      const queue = h.queue([doomed] as const);
      const id = await queue.enqueue("doomed", { n: 1 });
      queue.startWorker(FAST);
      await waitFor("the job to die", async () => (await queue.stats()).low.dead === 1);
      const dead = await queue.listDead("low");
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ id, name: "doomed", queue: "low", payload: { n: 1 }, attempts: 2, error: "boom 1" });
      expect(dead[0]?.failedAt).toBeGreaterThan(0);
      expect(await queue.listDead("high")).toEqual([]);

      fixed = true;
      expect(await queue.retryDead(id)).toBe(true);
      await waitFor("the retried job to run", () => runs.length === 3);
      await waitForIdle(queue);
      expect(runs).toEqual([
        { attempt: 1, fixed: false },
        { attempt: 2, fixed: false },
        { attempt: 1, fixed: true },
      ]);
      expect((await queue.stats()).low.dead).toBe(0);
      expect(await queue.retryDead(id)).toBe(false);
      expect(await queue.retryDead("no-such-job")).toBe(false);
    });

    test("100 jobs across 2 workers each run exactly once", async () => {
      const counts = new Map<number, number>();
      const count = defineJob({
        name: "count",
        schema: item,
        handler: async ({ n }) => {
          counts.set(n, (counts.get(n) ?? 0) + 1);
          await sleep(2);
        },
      });
      const registry = [count] as const;
      const producer = h.queue(registry);
      const other = h.queue(registry);
      producer.startWorker({ ...FAST, concurrency: 4 });
      other.startWorker({ ...FAST, concurrency: 4 });
      await Promise.all(Array.from({ length: 100 }, (_, n) => producer.enqueue("count", { n })));
      await waitFor("all 100 jobs to run", () => counts.size === 100);
      await waitForIdle(producer);
      await sleep(100);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    });

    test("a worker never runs more than `concurrency` jobs at once", async () => {
      let running = 0;
      let maxRunning = 0;
      let done = 0;
      const release = gate();
      const busy = defineJob({
        name: "busy",
        schema: item,
        handler: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await release.wait;
          running--;
          done++;
        },
      });
      const queue = h.queue([busy] as const);
      for (let n = 0; n < 8; n++) await queue.enqueue("busy", { n });
      queue.startWorker({ ...FAST, concurrency: 3 });
      await waitFor("three jobs to be running", () => running === 3);
      await sleep(200); // room for a fourth job to start if the limit were broken
      expect(maxRunning).toBe(3);
      const stats = await queue.stats();
      expect(stats.default).toMatchObject({ waiting: 5, running: 3 });
      release.open();
      await waitFor("all jobs to finish", () => done === 8);
      expect(maxRunning).toBe(3);
    });

    test("a job over its timeout is aborted and counted as a failure", async () => {
      const reasons: unknown[] = [];
      const slow = defineJob({
        name: "slow",
        schema: item,
        retries: 0,
        timeoutMs: 100,
        handler: async (_payload, ctx) => {
          try {
            await untilAborted(ctx.signal);
          } catch (reason) {
            reasons.push(reason);
            throw reason;
          }
        },
      });
      // Ignores its signal: the worker must still give up on it.
      const stubborn = defineJob({
        name: "stubborn",
        schema: item,
        retries: 0,
        timeoutMs: 100,
        handler: () => new Promise<void>(() => {}),
      });
      const queue = h.queue([slow, stubborn] as const);
      const slowId = await queue.enqueue("slow", { n: 1 });
      const stubbornId = await queue.enqueue("stubborn", { n: 2 });
      queue.startWorker({ ...FAST, concurrency: 2 });
      await waitFor("both jobs to be dead", async () => (await queue.stats()).default.dead === 2);
      const dead = await queue.listDead("default");
      expect(dead.map((d) => d.id).sort()).toEqual([slowId, stubbornId].sort());
      for (const entry of dead) expect(entry.error).toMatch(/timed out after 100 ms/);
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toBeInstanceOf(JobTimeout);
      expect((await queue.stats()).default.running).toBe(0);
    });

    test("stop lets running jobs finish within the grace period and requeues the rest", async () => {
      const finish = gate();
      const started: number[] = [];
      const completed: number[] = [];
      const abandoned: unknown[] = [];
      let secondRun = false;
      const work = defineJob({
        name: "work",
        schema: item,
        handler: async ({ n }, ctx) => {
          started.push(n);
          if (n === 1) await finish.wait;
          if (n === 2 && !secondRun) {
            try {
              await untilAborted(ctx.signal);
            } catch (reason) {
              abandoned.push(reason);
              throw reason;
            }
          }
          completed.push(n);
        },
      });
      const queue = h.queue([work] as const);
      await queue.enqueue("work", { n: 1 });
      await queue.enqueue("work", { n: 2 });
      const worker = queue.startWorker({ ...FAST, concurrency: 2 });
      await waitFor("both jobs to start", () => started.length === 2);
      const stopping = worker.stop({ graceMs: 300 });
      await sleep(20);
      finish.open();
      await stopping;
      expect(completed).toEqual([1]);
      expect(abandoned).toHaveLength(1);
      expect(abandoned[0]).toBeInstanceOf(WorkerStopped);
      expect((await queue.stats()).default).toEqual({ waiting: 1, running: 0, delayed: 0, dead: 0 });

      secondRun = true;
      queue.startWorker(FAST);
      await waitFor("the requeued job to complete", () => completed.length === 2);
      await waitForIdle(queue);
      expect(completed).toEqual([1, 2]);
      expect(started).toEqual([1, 2, 2]);
    });

    test("the reaper returns the jobs of a dead worker to their queue", async () => {
      const seen: string[] = [];
      const record = defineJob({ name: "record", schema: item, handler: async (_p, ctx) => void seen.push(ctx.jobId) });
      const queue = h.queue([record] as const);
      const orphan = { id: "orphan-1", name: "record", queue: "default", payload: { n: 1 }, attempt: 1, enqueuedAt: 1 } as const;
      await h.orphan(encodeEnvelope(orphan));
      await sleep(10); // the ghost's 1 ms heartbeat (memory) has surely expired
      expect((await queue.stats()).default).toMatchObject({ waiting: 0, running: 1 });
      queue.startWorker(FAST);
      await waitFor("the orphaned job to run", () => seen.length === 1);
      await waitForIdle(queue);
      expect(seen).toEqual(["orphan-1"]);
    });

    test("the reaper leaves the jobs of live workers alone", async () => {
      const runs: number[] = [];
      const long = defineJob({
        name: "long",
        schema: item,
        handler: async ({ n }) => {
          runs.push(n);
          await sleep(1000);
        },
      });
      const registry = [long] as const;
      const queue = h.queue(registry);
      await queue.enqueue("long", { n: 1 });
      // The job outlives the heartbeat TTL several times over; only refreshes keep it.
      queue.startWorker({ ...FAST, heartbeatIntervalMs: 30, heartbeatTtlMs: 300 });
      await waitFor("the job to start", () => runs.length === 1);
      h.queue(registry).startWorker({ ...FAST, reapIntervalMs: 20 });
      await waitForIdle(queue);
      await sleep(100);
      expect(runs).toEqual([1]);
    });

    test("delayed jobs wait in the delayed set until due", async () => {
      const ranAt: number[] = [];
      const later = defineJob({ name: "later", schema: item, handler: async () => void ranAt.push(Date.now()) });
      const queue = h.queue([later] as const);
      queue.startWorker(FAST);
      const enqueuedAt = Date.now();
      await queue.enqueue("later", { n: 1 }, { delayMs: 400 });
      expect((await queue.stats()).default).toMatchObject({ waiting: 0, delayed: 1 });
      await waitFor("the delayed job to run", () => ranAt.length === 1);
      expect((ranAt[0] ?? 0) - enqueuedAt).toBeGreaterThanOrEqual(350);
      await waitForIdle(queue);
    });
  });
}

describe("queue (redis) with a worker process killed mid-job", () => {
  let t: TestRedis;
  beforeEach(async () => {
    t = await openTestRedis("queue-child");
  });
  afterEach(async () => {
    await t.cleanup();
  });

  test("SIGKILLed worker: its job is recovered by another worker", async () => {
    const seen: string[] = [];
    const registry = [defineJob({ name: "crash.me", schema: item, handler: async (_p, ctx) => void seen.push(ctx.jobId) })] as const;
    const queue = createRedisQueue(registry, { redis: createRedisConnection(testRedisUrl()), prefix: t.prefix, ownsConnection: true });
    try {
      const id = await queue.enqueue("crash.me", { n: 1 });
      const child = Bun.spawn([process.execPath, fileURLToPath(new URL("../../testing/queue-worker-child.ts", import.meta.url))], {
        env: { ...process.env, QUEUE_CHILD_REDIS_URL: testRedisUrl(), QUEUE_CHILD_PREFIX: t.prefix, QUEUE_CHILD_HEARTBEAT_TTL_MS: "400" },
        stdout: "pipe",
        stderr: "inherit",
      });
      try {
        const line = await readLine(child.stdout, (l) => l.includes('"taken"'), 10_000);
        expect(JSON.parse(line)).toEqual({ taken: id });
      } finally {
        child.kill("SIGKILL");
        await child.exited;
      }
      expect((await queue.stats()).default).toMatchObject({ waiting: 0, running: 1 });
      queue.startWorker(FAST);
      await waitFor("the job of the killed worker to run", () => seen.length === 1);
      await waitForIdle(queue);
      expect(seen).toEqual([id]);
      expect(await t.redis.smembers(`${t.prefix}workers`)).toHaveLength(1); // only the live worker
    } finally {
      await queue.close({ graceMs: 0 });
    }
  });
});

/** The first line of `stream` that satisfies `match`. */
async function readLine(stream: ReadableStream<Uint8Array>, match: (line: string) => boolean, timeoutMs: number): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  let buffer = "";
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`No matching line within ${timeoutMs} ms; got: ${buffer}`);
      const chunk = await Promise.race([reader.read(), sleep(remaining).then(() => null)]);
      if (chunk === null) continue;
      if (chunk.done) throw new Error(`Stream ended without a matching line; got: ${buffer}`);
      buffer += decoder.decode(chunk.value, { stream: true });
      for (const line of buffer.split("\n")) if (match(line)) return line;
    }
  } finally {
    reader.releaseLock();
  }
}
