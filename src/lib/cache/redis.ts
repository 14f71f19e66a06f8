import { closeRedis, keyspace, type Redis, RedisScript } from "../redis.ts";
import type { Cache } from "./cache.ts";
import { type GenerationalBytes, type GenerationalRead, ttlToMs } from "./cache.ts";

/**
 * KEYS: the generation counters. ARGV: the entry's key prefix, suffix, and how many generations
 * its key names. The entry's key is built here from the counters just read (so it cannot be in
 * KEYS): fine on a single Redis or a replica set, not on Redis Cluster.
 */
const readGenerationalScript = new RedisScript(`
local generations = {}
for i, key in ipairs(KEYS) do generations[i] = redis.call('GET', key) or '0' end
local named = {}
for i = 1, tonumber(ARGV[3]) do named[i] = generations[i] end
local value = redis.call('GET', ARGV[1] .. table.concat(named, '.') .. ARGV[2])
if value then return {1, value, unpack(generations)} end
return {0, '', unpack(generations)}
`);

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
    async readGenerational(generationKeys, prefix, suffix, named = generationKeys.length): Promise<GenerationalRead> {
      const reply = (await readGenerationalScript.run(redis, generationKeys.map(key), [key(prefix), suffix, named])) as [number, string, ...string[]];
      const [found, value, ...generations] = reply;
      return { generations, value: found === 1 ? value : null };
    },
    async readGenerationalBytes(generationKeys, prefix, suffix, named = generationKeys.length): Promise<GenerationalBytes> {
      const reply = (await readGenerationalScript.runBuffer(redis, generationKeys.map(key), [key(prefix), suffix, named])) as [number, Buffer, ...Buffer[]];
      const [found, value, ...generations] = reply;
      return { generations: generations.map((g) => g.toString()), value: found === 1 ? value : null };
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      if (opts.ownsConnection) await closeRedis(redis);
    },
  };
}
