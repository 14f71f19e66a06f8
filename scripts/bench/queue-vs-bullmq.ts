/**
 * Jobs/s of our Redis-list queue with empty handlers, beside BullMQ on the same Redis, same
 * machine, same run. Usage: bun scripts/bench/queue-vs-bullmq.ts [jobs] [concurrency]
 * REDIS_URL defaults to the test Redis (redis://127.0.0.1:6379).
 */
import { Queue as BullQueue, Worker as BullWorker } from "bullmq";
import { z } from "zod";
import { readTestEnv } from "../../src/env.ts";
import { defineJob } from "../../src/lib/queue/queue.ts";
import { createRedisQueue } from "../../src/lib/queue/redis.ts";
import { closeRedis, createRedisConnection } from "../../src/lib/redis.ts";
import { deleteByPrefix } from "../../src/testing/redis-test-support.ts";
import { printTable } from "./lib.ts";

const jobs = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 10);
const url = readTestEnv().TEST_REDIS_URL;
const run = Date.now().toString(36);

async function ours(): Promise<{ enqueueMs: number; processMs: number }> {
  let done = 0;
  let resolveDone!: () => void;
  const finished = new Promise<void>((r) => (resolveDone = r));
  const registry = [
    defineJob({
      name: "noop",
      schema: z.object({ i: z.number() }),
      handler: async () => {
        if (++done === jobs) resolveDone();
      },
    }),
  ] as const;
  const redis = createRedisConnection(url, { name: "bench-ours" });
  const prefix = `bench:ours:${run}:`;
  const queue = createRedisQueue(registry, { redis, prefix });
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => queue.enqueue("noop", { i: i + k })));
  }
  const t1 = performance.now();
  const worker = queue.startWorker({ concurrency, pollMs: 100 });
  await finished;
  const t2 = performance.now();
  await worker.stop({ graceMs: 1000 });
  await queue.close();
  await deleteByPrefix(redis, prefix);
  await closeRedis(redis);
  return { enqueueMs: t1 - t0, processMs: t2 - t1 };
}

async function bullmq(): Promise<{ enqueueMs: number; processMs: number }> {
  const connection = { url, maxRetriesPerRequest: null };
  const name = `bench-bull-${run}`;
  const queue = new BullQueue(name, { connection });
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: "noop", data: { i: i + k }, opts: { removeOnComplete: true } })));
  }
  const t1 = performance.now();
  let done = 0;
  let resolveDone!: () => void;
  const finished = new Promise<void>((r) => (resolveDone = r));
  const worker = new BullWorker(name, async () => undefined, { connection, concurrency });
  worker.on("completed", () => {
    if (++done === jobs) resolveDone();
  });
  await finished;
  const t2 = performance.now();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { enqueueMs: t1 - t0, processMs: t2 - t1 };
}

const a = await ours();
const b = await bullmq();
const rate = (ms: number) => (jobs / ms) * 1000;
printTable([
  { queue: "ours (Redis lists)", jobs, concurrency, "enqueue jobs/s": rate(a.enqueueMs), "process jobs/s": rate(a.processMs) },
  { queue: "BullMQ", jobs, concurrency, "enqueue jobs/s": rate(b.enqueueMs), "process jobs/s": rate(b.processMs) },
]);
console.log(`ratio ours / BullMQ, processing: ${(rate(a.processMs) / rate(b.processMs)).toFixed(2)}`);
process.exit(0);
