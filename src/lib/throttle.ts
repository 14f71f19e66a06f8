import type { Logger } from "./logger.ts";

/**
 * Repeated warnings, told once per outage: the first one is logged, the rest are counted and
 * summarised (every `summaryMs` while it lasts, and when it ends). An outage ends when `recovered`
 * is called, or after `quietMs` without the warning. Without this a Redis outage logged one line
 * per request (1,133 lines in 8 s).
 */
export interface WarningThrottle {
  warn(key: string, fields: Record<string, unknown>, message: string): void;
  /** The thing behind `key` works again: log the end of its outage, if there was one. */
  recovered(key: string, message?: string): void;
}

interface Outage {
  message: string;
  startedAt: number;
  lastAt: number;
  lastSummaryAt: number;
  suppressed: number;
}

export function createWarningThrottle(logger: Logger, opts: { summaryMs?: number; quietMs?: number; now?: () => number } = {}): WarningThrottle {
  const summaryMs = opts.summaryMs ?? 60_000;
  const quietMs = opts.quietMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const outages = new Map<string, Outage>();

  const end = (key: string, outage: Outage, message: string) => {
    outages.delete(key);
    logger.info({ warning: key, suppressed: outage.suppressed, outage_ms: outage.lastAt - outage.startedAt }, message);
  };

  return {
    warn(key, fields, message) {
      const at = now();
      const open = outages.get(key);
      if (open && at - open.lastAt < quietMs) {
        open.lastAt = at;
        open.suppressed++;
        if (at - open.lastSummaryAt >= summaryMs) {
          logger.warn({ ...fields, warning: key, repeated: open.suppressed, since_ms: at - open.startedAt }, `${message} (still happening)`);
          open.lastSummaryAt = at;
          open.suppressed = 0;
        }
        return;
      }
      if (open) end(key, open, `${open.message}: quiet again`);
      outages.set(key, { message, startedAt: at, lastAt: at, lastSummaryAt: at, suppressed: 0 });
      logger.warn({ ...fields, warning: key }, message);
    },
    recovered(key, message) {
      const open = outages.get(key);
      if (open) end(key, open, message ?? `${open.message}: recovered`);
    },
  };
}
