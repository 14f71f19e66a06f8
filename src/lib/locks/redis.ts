import { randomBytes } from "node:crypto";
import { keyspace, type Redis, RedisScript, replyInteger } from "../redis.ts";
import type { Lock, LockManager } from "./lock.ts";
import { assertTtl } from "./lock.ts";

// Compare-and-delete / compare-and-extend: only the holder's token may touch the key,
// so a holder whose lock expired cannot release or extend the next holder's lock.
const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`);

const EXTEND = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

export interface RedisLockOptions {
  /** Usually REDIS_PREFIX; locks live under `<prefix>lock:`. */
  prefix: string;
}

export function createRedisLockManager(redis: Redis, opts: RedisLockOptions): LockManager {
  const lockKey = keyspace(opts.prefix, "lock");
  return {
    async acquire(key, ttlMs) {
      assertTtl(ttlMs);
      const token = randomBytes(16).toString("hex");
      const redisKey = lockKey(key);
      const ok = await redis.set(redisKey, token, "PX", ttlMs, "NX");
      if (ok !== "OK") return null;
      const lock: Lock = {
        key,
        async release() {
          await RELEASE.run(redis, [redisKey], [token]);
        },
        async extend(nextTtlMs) {
          assertTtl(nextTtlMs);
          return replyInteger(await EXTEND.run(redis, [redisKey], [token, nextTtlMs])) === 1;
        },
      };
      return lock;
    },
  };
}
