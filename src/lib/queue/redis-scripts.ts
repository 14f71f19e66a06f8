import { RedisScript } from "../redis.ts";

/**
 * Lua for the Redis queue. Each script is one atomic step, so a crash between
 * two commands can never lose or duplicate a job. Time comes from the server
 * (TIME) so app hosts with skewed clocks agree on when delayed jobs are due.
 * Jobs are never re-encoded in Lua (cjson would turn [] into {}): scripts only
 * read the `queue` field to route a job.
 */

const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end`;

// KEYS[a], KEYS[a+1], KEYS[a+2] are q:high, q:default, q:low.
const ROUTE = `
local function route(job, a)
  local ok, decoded = pcall(cjson.decode, job)
  if ok and type(decoded) == 'table' then
    if decoded.queue == 'high' then return KEYS[a] end
    if decoded.queue == 'low' then return KEYS[a + 2] end
  end
  return KEYS[a + 1]
end`;

/**
 * KEYS: processing, workers, queues in priority order. ARGV: worker id.
 * Non-blocking priority fetch. The SADD re-registers a worker that a reaper wrongly
 * dropped (heartbeat lapsed during a stall), so its new job cannot be orphaned.
 */
export const FETCH = new RedisScript(`
for i = 3, #KEYS do
  local job = redis.call('LMOVE', KEYS[i], KEYS[1], 'RIGHT', 'LEFT')
  if job then
    redis.call('SADD', KEYS[2], ARGV[1])
    return job
  end
end
return false
`);

/** KEYS: delayed. ARGV: job, delayMs. */
export const PUSH_DELAYED = new RedisScript(`${NOW_MS}
redis.call('ZADD', KEYS[1], now_ms() + tonumber(ARGV[2]), ARGV[1])
return 1
`);

/** KEYS: processing, delayed. ARGV: job, next attempt, delayMs. */
export const RETRY = new RedisScript(`${NOW_MS}
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], now_ms() + tonumber(ARGV[3]), ARGV[2])
return 1
`);

/** KEYS: processing, dead. ARGV: job, dead entry, max dead entries. */
export const BURY = new RedisScript(`
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
return 1
`);

/**
 * KEYS: heartbeat, processing, workers, q:high, q:default, q:low. ARGV: worker id,
 * force ('1' when the worker releases itself). Returns -1 while the worker is alive.
 * Jobs go back to the consuming end of their queue (oldest first): they were next.
 */
export const RELEASE = new RedisScript(`${ROUTE}
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
redis.call('DEL', KEYS[1])
local moved = 0
while true do
  local job = redis.call('LPOP', KEYS[2])
  if not job then break end
  redis.call('RPUSH', route(job, 4), job)
  moved = moved + 1
end
redis.call('SREM', KEYS[3], ARGV[1])
return moved
`);

/** KEYS: delayed, q:high, q:default, q:low. ARGV: batch size. */
export const PROMOTE = new RedisScript(`${NOW_MS}${ROUTE}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms(), 'LIMIT', 0, tonumber(ARGV[1]))
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('LPUSH', route(job, 2), job)
end
return #due
`);

/** KEYS: heartbeat, workers. ARGV: worker id, ttlMs. */
export const HEARTBEAT = new RedisScript(`
redis.call('SET', KEYS[1], '1', 'PX', tonumber(ARGV[2]))
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`);

/** KEYS: dead, queue. ARGV: dead entry, fresh job. */
export const REQUEUE_DEAD = new RedisScript(`
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
`);
