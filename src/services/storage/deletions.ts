import { eq, sql } from "drizzle-orm";
import { storageDeletions } from "../../../db/schema/index.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { ServiceContext } from "../context.ts";

/**
 * Bookkeeping for blobs that must go away (operations.ts). Two uses:
 * - guard: before an object is written, a row due in the future is committed; the transaction
 *   that makes the object referenced deletes the row. A crash in between leaves the row, so the
 *   cleanup job finds the orphan.
 * - queue: a change that orphans objects (agent delete) files them, due now, in its transaction.
 * The cleanup job must skip a key that an agent_versions row still references (a key can be
 * guarded by one publish while another publish of the same bytes commits it).
 */

/** How long an upload may take before its guard row makes the cleanup job remove the object. */
const UPLOAD_GUARD_MS = 60 * 60 * 1000;

/** Versions imported from elsewhere keep their archive at an external URL instead of a key of ours. */
export function isExternalKey(key: string): boolean {
  return /^https?:\/\//i.test(key);
}

export async function guardPendingObject(db: Executor, key: string): Promise<void> {
  const notBefore = new Date(Date.now() + UPLOAD_GUARD_MS);
  await db
    .insert(storageDeletions)
    .values({ storageKey: key, reason: "upload_abandoned", notBefore })
    .onConflictDoUpdate({ target: storageDeletions.storageKey, set: { reason: "upload_abandoned", notBefore, attempts: 0 } });
}

/** The object is now referenced (or already removed): it must not be deleted. */
export async function releasePendingObject(db: Executor, key: string): Promise<void> {
  await db.delete(storageDeletions).where(eq(storageDeletions.storageKey, key));
}

export async function queueObjectDeletions(db: Executor, keys: string[], reason: string): Promise<void> {
  const stored = [...new Set(keys.filter((key) => !isExternalKey(key)))];
  if (stored.length === 0) return;
  await db
    .insert(storageDeletions)
    .values(stored.map((storageKey) => ({ storageKey, reason })))
    .onConflictDoUpdate({ target: storageDeletions.storageKey, set: { reason, notBefore: sql`now()`, attempts: 0 } });
}

/** Best effort: removes a guarded object that never became referenced, and its guard; if that fails, the guard lets the cleanup job do it. */
export async function discardGuardedObject(ctx: ServiceContext, key: string): Promise<void> {
  try {
    await ctx.ports.storage.delete(key);
    await releasePendingObject(ctx.db, key);
  } catch (err) {
    ctx.logger.warn({ err, key }, "could not remove an unreferenced object; the cleanup job will");
  }
}
