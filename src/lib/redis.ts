import { createHash } from "node:crypto";
import Redis from "ioredis";

/**
 * Redis plumbing shared by the cache, locks, rate limiter and job queue.
 *
 * Failure policy: a dead Redis must make calls fail fast, never hang a request.
 * Commands issued during the first connection attempt wait in ioredis' offline
 * queue (so lazy connections and boot races work), bounded by the command timeout;
 * once that attempt has ended, successful or not, the offline queue is switched
 * off, so while disconnected every call rejects immediately instead of piling up.
 */

export type { Redis };

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST, to tell the connections of one process apart. */
  name?: string;
  /**
   * A connection reserved for blocking commands (BLMOVE). It gets no command
   * timeout, because blocking for seconds is its job, and keeps its offline queue,
   * because a worker loop prefers waiting for a reconnect to spinning on errors.
   */
  blocking?: boolean;
  /** Open the socket on the first command (or `connect()`) instead of right away. */
  lazyConnect?: boolean;
  /** Upper bound for any non-blocking command, including time spent waiting to connect. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Connection errors (refused, reset, ...). ioredis prints unhandled ones to
   * stderr on every reconnect attempt, so a listener is always installed.
   */
  onError?: (error: Error) => void;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1500;
const DEFAULT_CONNECT_TIMEOUT_MS = 2000;

/** Exponential reconnect delay (100 ms doubling, capped at 3 s) with jitter; never gives up. */
function reconnectDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.max(0, attempt - 1), 3000);
  return base + Math.floor(Math.random() * 100);
}

export function createRedisConnection(url: string, opts: RedisConnectionOptions = {}): Redis {
  const blocking = opts.blocking ?? false;
  const redis = new Redis(url, {
    connectionName: opts.name,
    lazyConnect: opts.lazyConnect ?? false,
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: blocking ? undefined : (opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
    // One reconnect attempt per queued command: with the offline queue on (before the
    // first ready, or on blocking connections) a refused connection fails in ~100 ms.
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    enableOfflineQueue: true,
    // Commands issued in the same tick (many requests' cache lookups and rate-limit hits) go out in
    // one write and come back in one read: fewer system calls on both sides under load.
    enableAutoPipelining: !blocking,
  });
  redis.on("error", opts.onError ?? (() => {}));
  if (!blocking) {
    // The offline queue only covers the first connection attempt. As soon as that
    // attempt has ended, either way, calls fail at once while disconnected.
    // ioredis reads this option on every command, so flipping it here takes effect.
    const failFast = () => {
      redis.options.enableOfflineQueue = false;
      redis.off("ready", failFast);
      redis.off("reconnecting", failFast);
    };
    redis.on("ready", failFast);
    redis.on("reconnecting", failFast);
  }
  return redis;
}

/** A dedicated connection for blocking commands, with the settings of `redis`. */
export function createBlockingConnection(redis: Redis, name?: string): Redis {
  const blocking = redis.duplicate({
    connectionName: name,
    commandTimeout: undefined,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  blocking.on("error", () => {});
  return blocking;
}

/** Resolve once `redis` is ready, or reject after `timeoutMs` (startup health checks). */
export async function waitForRedis(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "wait") redis.connect().catch(() => {});
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}

/** QUIT politely when possible (flushes pending replies), otherwise drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status !== "ready") {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

/**
 * Key builder: `keyspace("am:", "cache")("x")` is `am:cache:x`. Every concern gets its
 * own namespace under REDIS_PREFIX so deployments and test runs can share a Redis.
 */
export function keyspace(prefix: string, namespace?: string): (key: string) => string {
  const base = namespace ? `${prefix}${namespace}:` : prefix;
  return (key) => `${base}${key}`;
}

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not have
 * it cached yet (fresh server, SCRIPT FLUSH, failover). All keys go through KEYS.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[] = []): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }

  /**
   * As run, with bulk replies as Buffers (integers stay numbers). ioredis has evalshaBuffer and
   * evalBuffer without declaring them. Not callBuffer, nor a command made with defineCommand:
   * under auto-pipelining the first throws, and the second (when Redis goes away) fails a spread
   * in a callback, both outside any promise, which kills the process.
   */
  async runBuffer(redis: Redis, keys: readonly string[], args: readonly (string | number)[] = []): Promise<unknown> {
    const client = redis as unknown as Record<"evalshaBuffer" | "evalBuffer", (...args: (string | number)[]) => Promise<unknown>>;
    try {
      return await client.evalshaBuffer(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await client.evalBuffer(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/** Narrow a script reply that must be an integer. */
export function replyInteger(reply: unknown): number {
  const value = typeof reply === "string" ? Number(reply) : reply;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`Expected an integer reply from Redis, got ${JSON.stringify(reply)}`);
  }
  return value;
}

/** Narrow a script reply that must be an array of integers. */
export function replyIntegers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length) {
    throw new TypeError(`Expected ${length} values from Redis, got ${JSON.stringify(reply)}`);
  }
  return reply.map(replyInteger);
}
