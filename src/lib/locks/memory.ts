import type { Lock, LockManager } from "./lock.ts";
import { assertTtl } from "./lock.ts";

interface Held {
  token: symbol;
  expiresAt: number;
}

/** In-process locks with the same expiry and ownership rules as the Redis ones. */
export function createMemoryLockManager(opts: { now?: () => number } = {}): LockManager {
  const now = opts.now ?? Date.now;
  const held = new Map<string, Held>();

  const ownedBy = (key: string, token: symbol): Held | undefined => {
    const entry = held.get(key);
    if (!entry || entry.token !== token || entry.expiresAt <= now()) return undefined;
    return entry;
  };

  return {
    async acquire(key, ttlMs) {
      assertTtl(ttlMs);
      // Expired locks are only overwritten on re-acquire; sweep now and then so
      // one-off keys do not accumulate.
      if (held.size > 1024) for (const [k, v] of held) if (v.expiresAt <= now()) held.delete(k);
      const current = held.get(key);
      if (current && current.expiresAt > now()) return null;
      const token = Symbol(key);
      held.set(key, { token, expiresAt: now() + ttlMs });
      const lock: Lock = {
        key,
        async release() {
          if (ownedBy(key, token)) held.delete(key);
        },
        async extend(nextTtlMs) {
          assertTtl(nextTtlMs);
          const entry = ownedBy(key, token);
          if (!entry) return false;
          entry.expiresAt = now() + nextTtlMs;
          return true;
        },
      };
      return lock;
    },
  };
}
