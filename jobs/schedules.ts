import type { ScheduleEntry } from "../src/lib/scheduler.ts";
import type { Runtime } from "../src/runtime.ts";
import { rollupDailyStats } from "../src/services/analytics/rollup.ts";
import { purgeExpiredAuthState } from "../src/services/auth/purge.ts";
import { systemContext } from "../src/services/context.ts";
import { processStorageDeletions } from "../src/services/storage/cleanup.ts";
import { requeueStuckValidations } from "../src/services/validation/queue.ts";

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
      // Publish enqueues after commit; this is the other half: a version whose job was lost is queued again.
      name: "requeue-stuck-validations",
      cron: "*/5 * * * *",
      run: () => requeueStuckValidations(systemContext(rt)),
    },
    {
      name: "delete-orphaned-blobs",
      cron: "*/10 * * * *",
      run: (signal) => processStorageDeletions(rt, { signal }),
    },
  ];
}
