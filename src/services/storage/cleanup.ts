import { and, asc, eq, lte, sql } from "drizzle-orm";
import { agentVersions, storageDeletions } from "../../../db/schema/index.ts";
import type { ServiceContext } from "../context.ts";
import { isExternalKey } from "./deletions.ts";

const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 6 * 60 * 60_000;

/**
 * Removes the stored objects queued in storage_deletions (deleted agents and users, abandoned
 * uploads, staging copies). A key that a version still references is never deleted: the row is
 * dropped instead, because a queued key may have been reused by a later identical upload.
 */
export async function processStorageDeletions(ctx: ServiceContext, opts: { batch?: number; signal?: AbortSignal } = {}) {
  const db = ctx.db;
  const due = await db
    .select()
    .from(storageDeletions)
    .where(lte(storageDeletions.notBefore, sql`now()`))
    .orderBy(asc(storageDeletions.notBefore))
    .limit(opts.batch ?? 200);
  let deleted = 0;
  let kept = 0;
  let failed = 0;
  for (const row of due) {
    if (opts.signal?.aborted) break;
    const [inUse] = await db.select({ id: agentVersions.id }).from(agentVersions).where(eq(agentVersions.storageKey, row.storageKey)).limit(1);
    if (inUse) {
      await db.delete(storageDeletions).where(eq(storageDeletions.id, row.id));
      kept++;
      continue;
    }
    try {
      if (!isExternalKey(row.storageKey)) await ctx.ports.storage.delete(row.storageKey);
      // Only the row we looked at: a re-queued row for the same key keeps its own schedule.
      await db.delete(storageDeletions).where(and(eq(storageDeletions.id, row.id), eq(storageDeletions.attempts, row.attempts)));
      deleted++;
    } catch (error) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** row.attempts);
      await db
        .update(storageDeletions)
        .set({ attempts: row.attempts + 1, lastError: error instanceof Error ? error.message : String(error), notBefore: new Date(Date.now() + delay) })
        .where(eq(storageDeletions.id, row.id));
      failed++;
    }
  }
  return { deleted, kept, failed };
}
