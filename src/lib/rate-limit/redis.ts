import { randomBytes } from "node:crypto";
import { keyspace, type Redis, RedisScript, replyIntegers } from "../redis.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { assertRateLimitArgs, rateLimitResult } from "./rate-limit.ts";

// One script so trimming, counting and adding are atomic: two API processes cannot
// both see `limit - 1` and both add. The clock is the server's (TIME), so app hosts
// with skewed clocks still agree on the window. Scores are ms; a hit exactly
// `window` ms old is out of the window.
const SLIDING_WINDOW = new RedisScript(`
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local cost = tonumber(ARGV[4])
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3] .. ':' .. i)
  end
  count = count + cost
  allowed = 1
end
if count > 0 then redis.call('PEXPIRE', KEYS[1], window) end
local oldest = now
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then oldest = tonumber(first[2]) end
return {allowed, count, now, oldest}
`);

export interface RedisRateLimiterOptions {
  /** Usually REDIS_PREFIX; windows live under `<prefix>rl:`. */
  prefix: string;
}

export function createRedisRateLimiter(redis: Redis, opts: RedisRateLimiterOptions): RateLimiter {
  const key = keyspace(opts.prefix, "rl");
  // Hits in the same millisecond must be distinct set members, across processes too: a random
  // name for this limiter and a counter (not random bytes per hit, which cost more than the rest).
  const origin = randomBytes(6).toString("hex");
  let sequence = 0;
  return {
    async hit(name, limit, windowMs, cost = 1) {
      assertRateLimitArgs(limit, windowMs, cost);
      sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
      const member = `${origin}.${sequence.toString(36)}`;
      const reply = await SLIDING_WINDOW.run(redis, [key(name)], [limit, windowMs, member, cost]);
      const [allowed, count, now, oldest] = replyIntegers(reply, 4) as [number, number, number, number];
      return rateLimitResult(allowed === 1, limit, count, now, oldest, windowMs);
    },
  };
}
