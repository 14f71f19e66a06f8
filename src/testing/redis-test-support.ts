import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { readTestEnv } from "../env.ts";
import { closeRedis, createRedisConnection, type Redis, waitForRedis } from "../lib/redis.ts";

/** Helpers for tests that run one suite against the Redis and the in-memory backends. */

export function testRedisUrl(): string {
  return readTestEnv().TEST_REDIS_URL;
}

/** A prefix no other run (or parallel test file) uses, so runs can share one Redis. */
function uniquePrefix(label: string): string {
  return `test:${label}:${randomUUID().slice(0, 8)}:`;
}

export interface TestRedis {
  redis: Redis;
  prefix: string;
  /** Delete every key under the prefix and close the connection. */
  cleanup(): Promise<void>;
}

export async function openTestRedis(label: string): Promise<TestRedis> {
  const redis = createRedisConnection(testRedisUrl(), { name: `test-${label}` });
  await waitForRedis(redis, 5000);
  const prefix = uniquePrefix(label);
  return {
    redis,
    prefix,
    async cleanup() {
      await deleteByPrefix(redis, prefix);
      await closeRedis(redis);
    },
  };
}

export async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `check` returns true (or a truthy value); fail with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(intervalMs);
  }
}

/** A localhost port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}
