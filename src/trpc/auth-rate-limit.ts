import { RateLimited } from "../errors.ts";
import { middleware } from "./init.ts";
import { svc } from "./service.ts";

const MINUTE_MS = 60_000;

/**
 * POST /auth/* attempts per client IP (RATE_LIMIT_AUTH_PER_MINUTE), as a middleware so the tRPC
 * surface is limited exactly like REST. If the limiter's store is down the attempt goes through:
 * login must not depend on Redis.
 */
export const limitAuthAttempts = middleware(async ({ ctx, next }) => {
  const { ports } = svc(ctx);
  const { RATE_LIMIT_ENABLED, RATE_LIMIT_AUTH_PER_MINUTE } = ports.env;
  if (RATE_LIMIT_ENABLED) {
    const result = await ports.rateLimiter.hit(`rl:auth:${ctx.ip}`, RATE_LIMIT_AUTH_PER_MINUTE, MINUTE_MS).catch((err: unknown) => {
      ports.warnings.warn("auth-rate-limiter", { err }, "auth rate limiter unavailable; letting attempts through");
      return null;
    });
    if (result && !result.allowed) ports.metrics.rateLimitDenials.inc({ limit: "auth" });
    if (result && !result.allowed) throw new RateLimited(result.retryAfterMs / 1000, "Too many authentication attempts; try again later");
  }
  return next();
});
