import { and, asc, count, eq, inArray, lt, or } from "drizzle-orm";
import { agentVersions } from "../../../db/schema/index.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { ServiceContext } from "../context.ts";

/**
 * How validation jobs reach the queue. The job is enqueued after the version's transaction
 * commits, so a job always finds its version. The other half of the guarantee (no version
 * without a job) is requeueStuckValidations, run on a schedule: a version whose job was lost
 * (enqueue failed, Redis emptied, crash between commit and enqueue) is queued again. An outbox
 * table would give the same guarantee with one more table and a relay; the database already
 * knows which versions are pending, so it is the outbox.
 */

/** Versions pending longer than this are presumed to have lost their job. */
const STUCK_PENDING_AFTER_MS = 15 * 60_000;
/** Past every attempt of the job (4 x 10 min timeout, plus backoff), a running version has lost its worker. */
const STUCK_RUNNING_AFTER_MS = 45 * 60_000;

/** Never fails the caller: the version is committed, and the schedule catches a lost job. */
export async function enqueueValidation(ctx: ServiceContext, versionId: number): Promise<void> {
  try {
    await ctx.ports.queue.enqueue("validate-version", { versionId });
  } catch (err) {
    ctx.logger.error({ err, version_id: versionId }, "could not queue validation; the stuck-validation schedule will queue it");
  }
}

/** Queues again every version still pending, or running, past its timeout; returns how many. */
export async function requeueStuckValidations(
  ctx: ServiceContext,
  {
    olderThanMs = STUCK_PENDING_AFTER_MS,
    runningOlderThanMs = STUCK_RUNNING_AFTER_MS,
    limit = 500,
  }: { olderThanMs?: number; runningOlderThanMs?: number; limit?: number } = {},
): Promise<number> {
  const now = Date.now();
  const rows = await ctx.db
    .select({ id: agentVersions.id })
    .from(agentVersions)
    .where(
      or(
        and(eq(agentVersions.validationStatus, "pending"), lt(agentVersions.publishedAt, new Date(now - olderThanMs))),
        and(eq(agentVersions.validationStatus, "running"), lt(agentVersions.validationStartedAt, new Date(now - runningOlderThanMs))),
      ),
    )
    .orderBy(asc(agentVersions.publishedAt))
    .limit(limit);
  for (const row of rows) await ctx.ports.queue.enqueue("validate-version", { versionId: row.id });
  return rows.length;
}

/** Versions waiting for or in validation; the pending_validations gauge reads it at scrape time. */
export async function countPendingValidations(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(agentVersions)
    .where(inArray(agentVersions.validationStatus, ["pending", "running"]));
  return row?.n ?? 0;
}
