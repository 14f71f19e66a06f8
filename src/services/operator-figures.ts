import { and, count, gt, inArray, isNull, min, sql } from "drizzle-orm";
import { agentVersions, sessions } from "../../db/schema/index.ts";
import type { Executor } from "../lib/db/db.ts";

/** Figures an operator's dashboard reads at scrape time (src/lib/metrics.ts); small indexed queries. */

/** Seconds the oldest version still pending or running validation has waited; 0 when none. */
export async function oldestPendingValidationSeconds(db: Executor): Promise<number> {
  const [row] = await db
    .select({ oldest: min(agentVersions.publishedAt) })
    .from(agentVersions)
    .where(inArray(agentVersions.validationStatus, ["pending", "running"]));
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : null;
  return oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
}

/** Sign-in sessions neither revoked nor past their refresh expiry. */
export async function countActiveSessions(db: Executor): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(sessions)
    .where(and(isNull(sessions.revokedAt), gt(sessions.refreshExpiresAt, sql`now()`)));
  return row?.n ?? 0;
}
