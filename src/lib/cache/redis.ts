import { closeRedis, keyspace, type Redis } from "../redis.ts";
import type { Cache } from "./cache.ts";
import { ttlToMs } from "./cache.ts";

export interface RedisCacheOptions {
  /** Usually REDIS_PREFIX; entries live under `<prefix>cache:`. */
  prefix: string;
  /** Close the connection in `close()`; leave false when it is shared with other concerns. */
  ownsConnection?: boolean;
}

export function createRedisCache(redis: Redis, opts: RedisCacheOptions): Cache {
  const key = keyspace(opts.prefix, "cache");
  return {
    async get(name) {
      return await redis.get(key(name));
    },
    async set(name, value, ttlSeconds) {
      await redis.set(key(name), value, "PX", ttlToMs(ttlSeconds));
    },
    async del(...names) {
      if (names.length === 0) return;
      await redis.del(...names.map(key));
    },
    async incr(name) {
      return await redis.incr(key(name));
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      if (opts.ownsConnection) await closeRedis(redis);
    },
  };
}
