import { RateLimited } from "../errors.ts";
import type { RateLimitResult } from "../lib/rate-limit/rate-limit.ts";
import type { Runtime } from "../runtime.ts";
import { isCaller } from "../services/actor.ts";
import { actorOf } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { MAX_TRPC_BATCH, trpcCallCount } from "./request-limits.ts";
import type { RequestState } from "./request-state.ts";

const HOUR_MS = 60 * 60 * 1000;
const LIMITED_PREFIXES = ["/api/v1/", "/trpc/"];
// The API reference: /docs loads this on every view, so charging it made /docs fail after 100 looks.
const UNCHARGED = new Set(["/api/v1/openapi.json"]);

export interface RateLimitOutcome {
  /** X-RateLimit-* for the response, whatever it turns out to be. */
  headers: Record<string, string>;
  /** A ready 429 when the caller is over the limit. */
  denied: Response | null;
}

/**
 * The contract's general limits: per user (any of their tokens) or per anonymous IP, hourly
 * sliding window. The actor found here is kept on the request state, so the procedure reuses it
 * instead of checking the token twice. A token that does not authenticate counts as its IP here
 * and is refused by the procedure. When the limiter's store is down, requests go through.
 */
export async function checkRateLimit(rt: Runtime, request: Request, state: RequestState): Promise<RateLimitOutcome | null> {
  const path = state.url.pathname;
  if (!LIMITED_PREFIXES.some((prefix) => path.startsWith(prefix)) || UNCHARGED.has(path)) return null;
  // Each procedure of a tRPC batch costs what its own request would; an oversized batch is refused unrun.
  const calls = path.startsWith("/trpc/") ? trpcCallCount(path) : 1;
  const charged = await chargeCaller(rt, request, state, calls > MAX_TRPC_BATCH ? 1 : calls);
  if (!charged) return null;
  const denied = charged.refused && errorResponse(charged.refused, { requestId: state.requestId, logger: rt.logger }, charged.headers);
  return { headers: charged.headers, denied };
}

/**
 * Charges `cost` calls to the caller's hourly budget (for surfaces that count calls themselves,
 * like /mcp): the X-RateLimit-* headers, and the refusal when over the limit. Null when limits
 * are off or the limiter's store is down (the request then goes through).
 */
export async function chargeCaller(
  rt: Runtime,
  request: Request,
  state: RequestState,
  cost: number,
): Promise<{ headers: Record<string, string>; refused: RateLimited | null } | null> {
  const { env } = rt;
  if (!env.RATE_LIMIT_ENABLED) return null;
  const actor = await actorOf(rt, request).catch(() => null);
  const [key, limit] =
    actor && isCaller(actor) ? [`rl:user:${actor.user.id}`, env.RATE_LIMIT_USER_PER_HOUR] : [`rl:ip:${state.ip}`, env.RATE_LIMIT_ANON_PER_HOUR];
  let result: RateLimitResult;
  try {
    result = await rt.rateLimiter.hit(key, limit, HOUR_MS, cost);
  } catch (err) {
    rt.warnings.warn("rate-limiter", { err, request_id: state.requestId }, "rate limiter unavailable; requests not limited");
    return null;
  }
  rt.warnings.recovered("rate-limiter", "rate limiter available again");
  const headers = {
    "X-RateLimit-Limit": String(result.limit),
    "X-RateLimit-Remaining": String(result.remaining),
    "X-RateLimit-Reset": String(Math.ceil(result.resetAt / 1000)),
  };
  if (result.allowed) return { headers, refused: null };
  rt.metrics.rateLimitDenials.inc({ limit: key.startsWith("rl:user:") ? "user" : "ip" });
  return { headers, refused: new RateLimited(result.retryAfterMs / 1000) };
}
