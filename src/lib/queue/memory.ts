import { createQueueFromTransport } from "./core.ts";
import type { JobRegistry, Queue, QueueName, QueueStats } from "./queue.ts";
import { QUEUE_NAMES } from "./queue.ts";
import { decodeEnvelope, type QueueTransport } from "./transport.ts";

/**
 * The queue for the embedded single-process mode: the same lists, processing
 * sets, delayed set and dead lists as the Redis backend, kept in this process.
 * Jobs do not survive a restart; the database stays the source of truth and
 * schedules re-enqueue what is still pending.
 */
export interface MemoryQueueOptions {
  /** Share one store between several Queue objects (producers and workers) of a process. */
  store?: MemoryQueueStore;
}

export function createMemoryQueue<R extends JobRegistry>(registry: R, opts: MemoryQueueOptions = {}): Queue<R> {
  return createQueueFromTransport(registry, opts.store ?? new MemoryQueueStore());
}

function queueOf(raw: string): QueueName {
  return decodeEnvelope(raw)?.queue ?? "default";
}

function removeOne(list: string[], raw: string): boolean {
  const index = list.indexOf(raw);
  if (index === -1) return false;
  list.splice(index, 1);
  return true;
}

function perQueue<T>(make: () => T): Record<QueueName, T> {
  return { high: make(), default: make(), low: make() };
}

export class MemoryQueueStore implements QueueTransport {
  /** Index 0 is the front, the next job to run. */
  private readonly queues = perQueue<string[]>(() => []);
  /** Per worker, oldest first. */
  private readonly processing = new Map<string, string[]>();
  private readonly heartbeats = new Map<string, number>();
  private readonly delayed: { due: number; raw: string }[] = [];
  /** Newest first. */
  private readonly dead = perQueue<string[]>(() => []);
  /** Fetches waiting for a job, by worker. */
  private readonly waiters = new Map<string, () => void>();

  constructor(private readonly opts: { deadLimit?: number; now?: () => number } = {}) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters.values()]) wake();
  }

  private take(workerId: string, queues: readonly QueueName[]): string | null {
    for (const name of queues) {
      const raw = this.queues[name].shift();
      if (raw === undefined) continue;
      const list = this.processing.get(workerId) ?? [];
      list.push(raw);
      this.processing.set(workerId, list);
      return raw;
    }
    return null;
  }

  private settle(workerId: string, raw: string): boolean {
    return removeOne(this.processing.get(workerId) ?? [], raw);
  }

  async push(queue: QueueName, raw: string, delayMs: number): Promise<void> {
    if (delayMs > 0) this.delayed.push({ due: this.now() + delayMs, raw });
    else this.queues[queue].push(raw);
    this.wakeAll();
  }

  async fetch(workerId: string, queues: readonly QueueName[], blockMs: number): Promise<string | null> {
    const job = this.take(workerId, queues);
    if (job !== null) return job;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, blockMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(workerId);
        resolve();
      }
      waiters.set(workerId, done);
    });
    return this.take(workerId, queues);
  }

  async interrupt(workerId: string): Promise<void> {
    this.waiters.get(workerId)?.();
  }

  async ack(workerId: string, raw: string): Promise<void> {
    this.settle(workerId, raw);
  }

  async retry(workerId: string, raw: string, next: string, delayMs: number): Promise<void> {
    if (this.settle(workerId, raw)) this.delayed.push({ due: this.now() + delayMs, raw: next });
  }

  async bury(workerId: string, raw: string, queue: QueueName, dead: string): Promise<void> {
    if (!this.settle(workerId, raw)) return;
    const list = this.dead[queue];
    list.unshift(dead);
    list.length = Math.min(list.length, this.opts.deadLimit ?? 10_000);
  }

  async heartbeat(workerId: string, ttlMs: number): Promise<void> {
    this.heartbeats.set(workerId, this.now() + ttlMs);
  }

  async release(workerId: string): Promise<number> {
    const list = this.processing.get(workerId) ?? [];
    this.processing.delete(workerId);
    this.heartbeats.delete(workerId);
    // Newest first to the front, so the oldest ends up first in line again.
    for (const raw of [...list].reverse()) this.queues[queueOf(raw)].unshift(raw);
    if (list.length > 0) this.wakeAll();
    return list.length;
  }

  async reap(): Promise<number> {
    let moved = 0;
    const now = this.now();
    for (const [workerId, expiresAt] of [...this.heartbeats]) {
      if (expiresAt <= now) moved += await this.release(workerId);
    }
    return moved;
  }

  async promoteDue(limit: number): Promise<number> {
    const now = this.now();
    this.delayed.sort((a, b) => a.due - b.due);
    let moved = 0;
    while (moved < limit && (this.delayed[0]?.due ?? Infinity) <= now) {
      const entry = this.delayed.shift();
      if (!entry) break;
      this.queues[queueOf(entry.raw)].push(entry.raw);
      moved++;
    }
    if (moved > 0) this.wakeAll();
    return moved;
  }

  async stats(): Promise<QueueStats> {
    const stats = perQueue(() => ({ waiting: 0, running: 0, delayed: 0, dead: 0 }));
    for (const name of QUEUE_NAMES) {
      stats[name].waiting = this.queues[name].length;
      stats[name].dead = this.dead[name].length;
    }
    for (const { raw } of this.delayed) stats[queueOf(raw)].delayed++;
    for (const list of this.processing.values()) for (const raw of list) stats[queueOf(raw)].running++;
    return stats;
  }

  async nextInLine(): Promise<Record<QueueName, string | null>> {
    return { high: this.queues.high[0] ?? null, default: this.queues.default[0] ?? null, low: this.queues.low[0] ?? null };
  }

  async listDead(queue: QueueName, limit: number): Promise<string[]> {
    return this.dead[queue].slice(0, Math.max(0, limit));
  }

  async requeueDead(queue: QueueName, dead: string, raw: string): Promise<boolean> {
    if (!removeOne(this.dead[queue], dead)) return false;
    this.queues[queue].push(raw);
    this.wakeAll();
    return true;
  }

  async closeWorker(workerId: string): Promise<void> {
    this.waiters.get(workerId)?.();
  }

  /** The store may be shared by several queues, so closing one only wakes its fetches. */
  async close(): Promise<void> {
    this.wakeAll();
  }
}
