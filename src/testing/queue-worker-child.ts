/**
 * A Redis queue worker in its own process, for the reaper test in
 * src/lib/queue.test.ts: it takes a job, reports it on stdout and hangs, so the test
 * can SIGKILL it mid-job and check that another worker recovers the job.
 *
 * Env: QUEUE_CHILD_REDIS_URL, QUEUE_CHILD_PREFIX, QUEUE_CHILD_HEARTBEAT_TTL_MS.
 */
import { z } from "zod";
import { defineJob } from "../lib/queue/queue.ts";
import { createRedisQueue } from "../lib/queue/redis.ts";
import { createRedisConnection } from "../lib/redis.ts";

/** Must match the job the parent test enqueues (not imported: importing would start a worker). */
const CHILD_JOB_NAME = "crash.me";

const url = process.env.QUEUE_CHILD_REDIS_URL;
const prefix = process.env.QUEUE_CHILD_PREFIX;
if (!url || !prefix) throw new Error("QUEUE_CHILD_REDIS_URL and QUEUE_CHILD_PREFIX are required");
const heartbeatTtlMs = Number(process.env.QUEUE_CHILD_HEARTBEAT_TTL_MS ?? 500);

const registry = [
  defineJob({
    name: CHILD_JOB_NAME,
    schema: z.object({ n: z.number() }),
    handler: async (_payload, ctx) => {
      process.stdout.write(`${JSON.stringify({ taken: ctx.jobId })}\n`);
      // Hang until killed; the worker's timers keep the process alive.
      await new Promise<never>(() => {});
    },
  }),
] as const;

const queue = createRedisQueue(registry, { redis: createRedisConnection(url, { name: "queue-child" }), prefix });
queue.startWorker({
  pollMs: 50,
  heartbeatIntervalMs: Math.max(10, Math.floor(heartbeatTtlMs / 5)),
  heartbeatTtlMs,
  reapIntervalMs: 60_000,
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
