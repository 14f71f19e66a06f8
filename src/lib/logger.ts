import pino, { type Logger } from "pino";
import type { Env } from "../env.ts";

export type { Logger };

/** JSON lines on stdout; child loggers carry the request id or job id. */
export function createLogger(env: Pick<Env, "LOG_LEVEL" | "NODE_ENV">): Logger {
  return pino({
    level: env.LOG_LEVEL,
    base: { service: "agent-marketplace" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ["req.headers.authorization", "*.token", "*.access_token", "*.refresh_token"], censor: "[redacted]" },
  });
}
