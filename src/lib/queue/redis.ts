import { closeRedis, createBlockingConnection, type Redis, replyInteger } from "../redis.ts";
import { createQueueFromTransport } from "./core.ts";
import type { JobRegistry, Queue, QueueName, QueueStats } from "./queue.ts";
import { QUEUE_NAMES } from "./queue.ts";
import { BURY, FETCH, HEARTBEAT, PROMOTE, PUSH_DELAYED, RELEASE, REQUEUE_DEAD, RETRY } from "./redis-scripts.ts";
import { decodeEnvelope, type QueueTransport } from "./transport.ts";

/**
 * Reliable queue on Redis lists. Keys, all under `prefix` (usually REDIS_PREFIX):
 *   q:<queue>              waiting jobs; producers LPUSH, workers take from the right
 *   processing:<worker>    jobs a worker has taken (moved atomically with LMOVE/BLMOVE)
 *   worker:<worker>        heartbeat with a TTL; when it expires the worker is presumed dead
 *   workers                set of worker ids that may own a processing list
 *   delayed                sorted set of jobs waiting for a backoff or delay, score = due ms
 *   dead:<queue>           jobs that ran out of attempts, newest first, with their error
 */
export interface RedisQueueOptions {
  /** Connection for non-blocking commands; each worker also opens a blocking duplicate of it. */
  redis: Redis;
  prefix: string;
  /** Close `redis` in `close()`; leave false when it is shared with other concerns. */
  ownsConnection?: boolean;
  /** Dead entries kept per queue (oldest dropped). Default 10000. */
  deadLimit?: number;
}

interface Blocker {
  connection: Redis;
  /** CLIENT ID of the blocking connection, for CLIENT UNBLOCK; null until known. */
  clientId: number | null;
}

export function createRedisQueue<R extends JobRegistry>(registry: R, opts: RedisQueueOptions): Queue<R> {
  return createQueueFromTransport(registry, new RedisQueueTransport(opts));
}

class RedisQueueTransport implements QueueTransport {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly deadLimit: number;
  private readonly blockers = new Map<string, Blocker>();

  constructor(private readonly opts: RedisQueueOptions) {
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.deadLimit = opts.deadLimit ?? 10_000;
  }

  private queueKey(name: QueueName): string {
    return `${this.prefix}q:${name}`;
  }
  private processingKey(workerId: string): string {
    return `${this.prefix}processing:${workerId}`;
  }
  private heartbeatKey(workerId: string): string {
    return `${this.prefix}worker:${workerId}`;
  }
  private deadKey(name: QueueName): string {
    return `${this.prefix}dead:${name}`;
  }
  private get workersKey(): string {
    return `${this.prefix}workers`;
  }
  private get delayedKey(): string {
    return `${this.prefix}delayed`;
  }
  private get allQueueKeys(): string[] {
    return QUEUE_NAMES.map((name) => this.queueKey(name));
  }

  async push(queue: QueueName, raw: string, delayMs: number): Promise<void> {
    if (delayMs > 0) await PUSH_DELAYED.run(this.redis, [this.delayedKey], [raw, Math.ceil(delayMs)]);
    else await this.redis.lpush(this.queueKey(queue), raw);
  }

  /**
   * Priority first: one atomic LMOVE over the queues in order. Only when all are
   * empty, block with BLMOVE on one queue ("default" when served). A job arriving
   * in another queue meanwhile waits at most `blockMs`, the price of not polling.
   */
  async fetch(workerId: string, queues: readonly QueueName[], blockMs: number): Promise<string | null> {
    const processing = this.processingKey(workerId);
    const keys = [processing, this.workersKey, ...queues.map((name) => this.queueKey(name))];
    const job = await FETCH.run(this.redis, keys, [workerId]);
    if (typeof job === "string") return job;
    const blockOn = queues.includes("default") ? "default" : queues[0];
    if (!blockOn) return null;
    const blocker = await this.blocker(workerId);
    const seconds = Math.max(0.01, blockMs / 1000);
    return await blocker.connection.blmove(this.queueKey(blockOn), processing, "RIGHT", "LEFT", seconds);
  }

  private async blocker(workerId: string): Promise<Blocker> {
    let blocker = this.blockers.get(workerId);
    if (!blocker) {
      const connection = createBlockingConnection(this.redis, `queue-${workerId}`);
      const created: Blocker = { connection, clientId: null };
      // A reconnect gets a new client id.
      connection.on("close", () => {
        created.clientId = null;
      });
      this.blockers.set(workerId, created);
      blocker = created;
    }
    blocker.clientId ??= await blocker.connection.client("ID");
    return blocker;
  }

  async interrupt(workerId: string): Promise<void> {
    const clientId = this.blockers.get(workerId)?.clientId;
    if (clientId != null) await this.redis.client("UNBLOCK", clientId);
  }

  async ack(workerId: string, raw: string): Promise<void> {
    await this.redis.lrem(this.processingKey(workerId), 1, raw);
  }

  async retry(workerId: string, raw: string, next: string, delayMs: number): Promise<void> {
    await RETRY.run(this.redis, [this.processingKey(workerId), this.delayedKey], [raw, next, Math.ceil(delayMs)]);
  }

  async bury(workerId: string, raw: string, queue: QueueName, dead: string): Promise<void> {
    await BURY.run(this.redis, [this.processingKey(workerId), this.deadKey(queue)], [raw, dead, this.deadLimit]);
  }

  async heartbeat(workerId: string, ttlMs: number): Promise<void> {
    await HEARTBEAT.run(this.redis, [this.heartbeatKey(workerId), this.workersKey], [workerId, ttlMs]);
  }

  private async releaseWorker(workerId: string, force: boolean): Promise<number> {
    const keys = [this.heartbeatKey(workerId), this.processingKey(workerId), this.workersKey, ...this.allQueueKeys];
    return replyInteger(await RELEASE.run(this.redis, keys, [workerId, force ? "1" : "0"]));
  }

  async release(workerId: string): Promise<number> {
    return await this.releaseWorker(workerId, true);
  }

  async reap(): Promise<number> {
    let moved = 0;
    for (const workerId of await this.redis.smembers(this.workersKey)) {
      moved += Math.max(0, await this.releaseWorker(workerId, false));
    }
    return moved;
  }

  async promoteDue(limit: number): Promise<number> {
    return replyInteger(await PROMOTE.run(this.redis, [this.delayedKey, ...this.allQueueKeys], [limit]));
  }

  /** A snapshot assembled from several reads; counts may be off by in-flight moves. */
  async stats(): Promise<QueueStats> {
    const stats = Object.fromEntries(QUEUE_NAMES.map((name) => [name, { waiting: 0, running: 0, delayed: 0, dead: 0 }])) as QueueStats;
    const count = (raw: string, field: "running" | "delayed") => {
      stats[decodeEnvelope(raw)?.queue ?? "default"][field]++;
    };
    for (const name of QUEUE_NAMES) {
      stats[name].waiting = await this.redis.llen(this.queueKey(name));
      stats[name].dead = await this.redis.llen(this.deadKey(name));
    }
    for (const raw of await this.redis.zrange(this.delayedKey, 0, "-1")) count(raw, "delayed");
    for (const workerId of await this.redis.smembers(this.workersKey)) {
      for (const raw of await this.redis.lrange(this.processingKey(workerId), 0, -1)) count(raw, "running");
    }
    return stats;
  }

  /** Workers take from the right, so the job next in line is the last element. */
  async nextInLine(): Promise<Record<QueueName, string | null>> {
    const [high, normal, low] = await Promise.all(QUEUE_NAMES.map((name) => this.redis.lindex(this.queueKey(name), -1)));
    return { high: high ?? null, default: normal ?? null, low: low ?? null };
  }

  async listDead(queue: QueueName, limit: number): Promise<string[]> {
    const stop = limit >= Number.MAX_SAFE_INTEGER ? -1 : Math.max(0, limit - 1);
    if (limit <= 0) return [];
    return await this.redis.lrange(this.deadKey(queue), 0, stop);
  }

  async requeueDead(queue: QueueName, dead: string, raw: string): Promise<boolean> {
    return replyInteger(await REQUEUE_DEAD.run(this.redis, [this.deadKey(queue), this.queueKey(queue)], [dead, raw])) === 1;
  }

  async closeWorker(workerId: string): Promise<void> {
    const blocker = this.blockers.get(workerId);
    this.blockers.delete(workerId);
    // disconnect, not QUIT: QUIT would wait behind a pending BLMOVE.
    blocker?.connection.disconnect();
  }

  async close(): Promise<void> {
    for (const workerId of [...this.blockers.keys()]) await this.closeWorker(workerId);
    if (this.opts.ownsConnection) await closeRedis(this.redis);
  }
}
