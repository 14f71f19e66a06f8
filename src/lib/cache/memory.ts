import type { Cache } from "./cache.ts";
import { generationalKey, ttlToMs } from "./cache.ts";

export interface MemoryCacheOptions {
  /** Bound on live entries; the least recently used ones are evicted first. */
  maxEntries?: number;
  /** Clock override for tests. */
  now?: () => number;
}

interface Entry {
  value: string;
  /** Epoch ms; Infinity for keys without TTL (counters created by `incr`). */
  expiresAt: number;
}

const DEFAULT_MEMORY_CACHE_ENTRIES = 10_000;

/**
 * In-process cache. A Map keeps insertion order, so re-inserting on every hit makes
 * the first key the least recently used one: eviction is O(1) without extra lists.
 */
export function createMemoryCache(opts: MemoryCacheOptions = {}): Cache {
  const maxEntries = opts.maxEntries ?? DEFAULT_MEMORY_CACHE_ENTRIES;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let closed = false;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entries.delete(key);
    if (entry.expiresAt <= now()) return undefined;
    entries.set(key, entry);
    return entry;
  };

  const store = (key: string, entry: Entry): void => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  };

  const open = (): void => {
    if (closed) throw new Error("Cache is closed");
  };

  return {
    async get(key) {
      open();
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlSeconds) {
      open();
      store(key, { value, expiresAt: now() + ttlToMs(ttlSeconds) });
    },
    async del(...keys) {
      open();
      for (const key of keys) entries.delete(key);
    },
    async incr(key) {
      open();
      const entry = live(key);
      const current = entry ? Number(entry.value) : 0;
      // Same contract as Redis INCR: only integer strings can be incremented.
      if (!Number.isSafeInteger(current) || (entry && !/^-?\d+$/.test(entry.value))) {
        throw new Error("ERR value is not an integer or out of range");
      }
      const next = current + 1;
      store(key, { value: String(next), expiresAt: entry?.expiresAt ?? Number.POSITIVE_INFINITY });
      return next;
    },
    async readGenerational(generationKeys, prefix, suffix, named) {
      open();
      const generations = generationKeys.map((key) => live(key)?.value ?? "0");
      return { generations, value: live(generationalKey(prefix, generations, suffix, named))?.value ?? null };
    },
    readGenerationalBytes(generationKeys, prefix, suffix, named) {
      return this.readGenerational(generationKeys, prefix, suffix, named);
    },
    async ping() {
      open();
    },
    async close() {
      closed = true;
      entries.clear();
    },
  };
}
