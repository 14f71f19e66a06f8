import pino, { type Logger } from "pino";
import type { Env } from "../env.ts";

export type { Logger };

/** JSON lines on stdout (or `destination`, e.g. stderr for commands whose stdout is their answer). */
export function createLogger(env: Pick<Env, "LOG_LEVEL" | "NODE_ENV">, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: env.LOG_LEVEL,
    base: { service: "agent-marketplace" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ["req.headers.authorization", "*.token", "*.access_token", "*.refresh_token"], censor: "[redacted]" },
  };
  return destination ? pino(options, destination) : pino(options);
}
