/**
 * Mutual exclusion across workers (Redis, lock-redis.ts) or within one process
 * (memory, lock-memory.ts). Locks expire after their TTL so a crashed holder cannot
 * block everyone forever; a holder that needs longer must `extend` in time.
 */
export interface Lock {
  readonly key: string;
  /** Give the lock up. A no-op when it already expired or passed to someone else. */
  release(): Promise<void>;
  /** Push the expiry to `ttlMs` from now; false when the lock is no longer ours. */
  extend(ttlMs: number): Promise<boolean>;
}

export interface LockManager {
  /** Take `key` for `ttlMs`, or null when someone else holds it. Never waits. */
  acquire(key: string, ttlMs: number): Promise<Lock | null>;
}

export type WithLockResult<T> = { acquired: true; result: T } | { acquired: false };

export interface LockScope {
  lock: Lock;
  /** Aborted when the lock could not be renewed: stop writing, someone else may hold it. */
  signal: AbortSignal;
}

export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`Lock TTL must be a positive integer of milliseconds, got ${ttlMs}`);
  }
}

/**
 * Run `fn` while holding `key`, or report `{ acquired: false }` without running it.
 * The lock is renewed every ttl/3 while `fn` runs, so `ttlMs` only bounds how long
 * a crashed holder blocks others, not how long `fn` may take.
 */
export async function withLock<T>(manager: LockManager, key: string, ttlMs: number, fn: (scope: LockScope) => Promise<T>): Promise<WithLockResult<T>> {
  const lock = await manager.acquire(key, ttlMs);
  if (!lock) return { acquired: false };
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = lock.extend(ttlMs).then(
        (held) => {
          if (!held) lost.abort(new Error(`Lock ${key} was lost`));
        },
        () => {
          // A failed renewal (store unreachable) is not yet a lost lock: the TTL still
          // runs and the next renewal may succeed.
        },
      );
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  try {
    return { acquired: true, result: await fn({ lock, signal: lost.signal }) };
  } finally {
    clearInterval(timer);
    await renewing;
    await lock.release().catch(() => {
      // Unreleased locks expire on their own; failing the caller's work for it would be worse.
    });
  }
}
