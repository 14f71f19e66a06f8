import { Cron } from "croner";
import type { LockManager } from "./locks/lock.ts";
import type { Logger } from "./logger.ts";

export interface ScheduleEntry<C = unknown> {
  name: string;
  /** Cron pattern (croner syntax, seconds optional), UTC. */
  cron: string;
  run(ctx: C, signal: AbortSignal): Promise<unknown>;
  /** Upper bound of one run; the firing's lock lives this long. Default 10 minutes. */
  maxRunMs?: number;
}

export interface Scheduler {
  /** Runs one entry's firing now, under the same lock as a scheduled one (tests, admin). */
  fire(name: string, at?: Date): Promise<"ran" | "skipped">;
  stop(): void;
}

/**
 * croner fires every entry on every instance; a lock named after the entry and the scheduled
 * tick (not the wall clock) makes exactly one instance run each tick, even when clocks or
 * start-up times differ by a few seconds.
 */
export function startScheduler<C>(
  entries: readonly ScheduleEntry<C>[],
  deps: { locks: LockManager; logger: Logger; context?: () => C },
  opts: { paused?: boolean; overrides?: Record<string, string> } = {},
): Scheduler {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const unknown = Object.keys(opts.overrides ?? {}).filter((name) => !byName.has(name));
  if (unknown.length > 0) throw new UnknownSchedule(unknown, [...byName.keys()]);
  const controller = new AbortController();

  async function fire(name: string, at: Date = new Date()): Promise<"ran" | "skipped"> {
    const entry = byName.get(name);
    if (!entry) throw new Error(`Unknown schedule ${name}`);
    const tick = new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString();
    const lock = await deps.locks.acquire(`schedule:${name}:${tick}`, entry.maxRunMs ?? 10 * 60_000);
    if (!lock) {
      deps.logger.debug({ schedule: name, tick }, "schedule tick taken by another instance");
      return "skipped";
    }
    const started = performance.now();
    try {
      const result = await entry.run(deps.context?.() as C, controller.signal);
      deps.logger.info({ schedule: name, tick, duration_ms: Math.round(performance.now() - started), result }, "schedule ran");
      return "ran";
    } catch (error) {
      deps.logger.error({ schedule: name, tick, err: error }, "schedule failed");
      return "ran";
    }
    // The lock is not released: it marks this tick as done for the other instances.
  }

  const crons = opts.paused
    ? []
    : entries.map(
        (entry) =>
          new Cron(opts.overrides?.[entry.name] ?? entry.cron, { timezone: "UTC", protect: true, unref: true }, async (self: Cron) => {
            const tick = self.currentRun() ?? new Date();
            await fire(entry.name, tick).catch((error: unknown) => deps.logger.error({ schedule: entry.name, err: error }, "schedule lock failed"));
          }),
      );

  return {
    fire,
    stop() {
      controller.abort();
      for (const cron of crons) cron.stop();
    },
  };
}

export class UnknownSchedule extends Error {
  constructor(names: string[], known: string[]) {
    super(`SCHEDULE_OVERRIDES: no schedule named ${names.join(", ")} (schedules: ${known.join(", ")})`);
    this.name = "UnknownSchedule";
  }
}
