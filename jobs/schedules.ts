import type { ScheduleEntry } from "../src/lib/scheduler.ts";
import type { Runtime } from "../src/runtime.ts";
import { rollupDailyStats } from "../src/services/analytics/rollup.ts";
import { purgeExpiredAuthState } from "../src/services/auth/purge.ts";
import { systemContext } from "../src/services/context.ts";
import { processStorageDeletions } from "../src/services/storage-cleanup.ts";

/**
 * Every recurring task, and the only place a cron string appears. Each firing runs on one
 * instance only (see src/lib/scheduler.ts). Times are UTC.
 */
export function buildSchedules(rt: Runtime): ScheduleEntry[] {
  return [
    {
      name: "rollup-daily-stats",
      cron: "2 * * * *",
      run: () => rollupDailyStats(rt),
    },
    {
      name: "purge-expired-auth",
      cron: "7 * * * *",
      run: () => purgeExpiredAuthState(systemContext(rt)),
    },
    {
      name: "delete-orphaned-blobs",
      cron: "*/10 * * * *",
      run: (signal) => processStorageDeletions(rt, { signal }),
    },
  ];
}
