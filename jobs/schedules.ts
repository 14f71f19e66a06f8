import type { ScheduleEntry } from "../src/lib/scheduler.ts";
import { rollupDailyStats } from "../src/services/analytics/rollup.ts";
import { purgeExpiredAuthState } from "../src/services/auth/purge.ts";
import type { ServiceContext } from "../src/services/context.ts";
import { processStorageDeletions } from "../src/services/storage/cleanup.ts";
import { requeueStuckValidations } from "../src/services/validation/queue.ts";

/**
 * Every recurring task, and the only place a cron string appears. Each firing runs on one
 * instance only (see src/lib/scheduler.ts), with a system context. Times are UTC.
 */
export const schedules: readonly ScheduleEntry<ServiceContext>[] = [
  { name: "rollup-daily-stats", cron: "2 * * * *", run: (ctx) => rollupDailyStats(ctx) },
  { name: "purge-expired-auth", cron: "7 * * * *", run: (ctx) => purgeExpiredAuthState(ctx) },
  // Publish enqueues after commit; this is the other half: a version whose job was lost is queued again.
  { name: "requeue-stuck-validations", cron: "*/5 * * * *", run: (ctx) => requeueStuckValidations(ctx) },
  { name: "delete-orphaned-blobs", cron: "*/10 * * * *", run: (ctx, signal) => processStorageDeletions(ctx, { signal }) },
];
