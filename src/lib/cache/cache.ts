/**
 * A small string cache. Two implementations pass the same suite: Redis
 * (cache-redis.ts, shared across processes) and in-process memory (cache-memory.ts,
 * the embedded single-process default).
 *
 * Invalidation by namespace: keep a generation counter per namespace (`incr`) and put
 * the current generation into the cache keys; bumping it orphans every old entry,
 * which then simply expires.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** `ttlSeconds` must be > 0; fractions are honoured (millisecond precision). */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Atomically add one and return the new value (missing keys count from 0; an existing TTL is kept). */
  incr(key: string): Promise<number>;
  /**
   * The generation counters and the entry they name, in ONE round trip (a script on Redis): the
   * entry's key is `prefix + <the first \`named\` generations, joined by ".">` + suffix`. A missing
   * counter reads "0". `named` defaults to all of them.
   */
  readGenerational(generationKeys: readonly string[], prefix: string, suffix: string, named?: number): Promise<GenerationalRead>;
  /**
   * readGenerational with the entry as bytes where the store holds bytes (Redis): an entry that is
   * sent on as it is (a cached answer) is then never decoded into a string and encoded again.
   */
  readGenerationalBytes(generationKeys: readonly string[], prefix: string, suffix: string, named?: number): Promise<GenerationalBytes>;
  /** Rejects when the backing store is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface GenerationalRead {
  generations: string[];
  value: string | null;
}

export interface GenerationalBytes {
  generations: string[];
  value: string | Uint8Array | null;
}

/** The key of an entry under its generations (both implementations build it the same way). */
export function generationalKey(prefix: string, generations: readonly string[], suffix: string, named = generations.length): string {
  return `${prefix}${generations.slice(0, named).join(".")}${suffix}`;
}

export function ttlToMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`Cache TTL must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.ceil(ttlSeconds * 1000));
}
