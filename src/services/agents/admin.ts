import { and, count, eq, inArray } from "drizzle-orm";
import { agents, agentVersions, validationResults } from "../../../db/schema/index.ts";
import type {
  AdminAgent,
  AdminUpdateAgentInput,
  BulkCategoryInput,
  ListAdminAgentsInput,
  RevalidateAccepted,
  RevalidateInput,
} from "../../contract/admin-agents.ts";
import { Conflict, fieldError } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { assertValidKey } from "../../lib/storage/keys.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import { resolveCategoryRef } from "../categories.ts";
import { type ServiceContext, withTransaction } from "../context.ts";
import { isExternalKey, queueObjectDeletions } from "../storage/deletions.ts";
import { enqueueValidation } from "../validation/queue.ts";
import { deleteAgentRow } from "./agents.ts";
import { type AgentSummaryRow, agentOrder, findVisibleAgent, findVisibleSummary, inCategorySlug, selectAgentSummaries, toAgentSummary } from "./queries.ts";
import { findVersionOrThrow, refreshCurrentVersion } from "./versions.ts";

/** The agent routes of /admin (contract section 9). The admin tier has already checked the caller. */

function toAdminAgent(row: AgentSummaryRow): AdminAgent {
  return { ...toAgentSummary(row), storage_key: row.currentStorageKey };
}

export async function listAdminAgents(ctx: ServiceContext, input: ListAdminAgentsInput): Promise<{ items: AdminAgent[]; total: number }> {
  const where = input.category === undefined ? undefined : inCategorySlug(ctx.db, input.category);
  const [rows, [total]] = await Promise.all([
    selectAgentSummaries(ctx.db)
      .where(where)
      .orderBy(...agentOrder("created_at"))
      .limit(input.limit)
      .offset(input.offset),
    ctx.db.select({ n: count() }).from(agents).where(where),
  ]);
  return { items: rows.map(toAdminAgent), total: total?.n ?? 0 };
}

export async function adminUpdateAgent(ctx: ServiceContext, input: AdminUpdateAgentInput): Promise<AdminAgent> {
  await withTransaction(ctx, async (tx) => {
    const agent = await findVisibleAgent(tx.db, tx.actor, input.slug);
    const changes: Partial<typeof agents.$inferInsert> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.description !== undefined) changes.description = input.description;
    if (input.is_public !== undefined) changes.isPublic = input.is_public;
    if (input.is_validated !== undefined) changes.isValidated = input.is_validated;
    if (input.category !== undefined) changes.categoryId = await resolveCategoryRef(tx.db, input.category, ["body", "category"], { allowNone: true });
    if (Object.keys(changes).length > 0) await tx.db.update(agents).set(changes).where(eq(agents.id, agent.id));
    if (input.storage_key !== undefined) {
      if (agent.currentVersionId === null) throw new Conflict(`Agent '${agent.slug}' has no version to point at a storage key`);
      await replaceStorageKey(tx.db, agent.currentVersionId, checkedStorageKey(input.storage_key));
    }
  });
  await invalidateCatalog(ctx.ports);
  return toAdminAgent(await findVisibleSummary(ctx.db, ctx.actor, input.slug));
}

/** The old object is filed for deletion; the cleanup job keeps it if another version still uses it. */
async function replaceStorageKey(db: Executor, versionId: number, key: string): Promise<void> {
  const [old] = await db.select({ key: agentVersions.storageKey }).from(agentVersions).where(eq(agentVersions.id, versionId)).for("update");
  if (!old || old.key === key) return;
  await db.update(agentVersions).set({ storageKey: key }).where(eq(agentVersions.id, versionId));
  await queueObjectDeletions(db, [old.key], "storage_key_replaced");
}

function checkedStorageKey(key: string): string {
  if (isExternalKey(key)) {
    if (!URL.canParse(key)) throw fieldError(["body", "storage_key"], "Not a valid http(s) URL");
    return key;
  }
  try {
    assertValidKey(key);
  } catch (error) {
    throw fieldError(["body", "storage_key"], error instanceof Error ? error.message : "Invalid object key");
  }
  return key;
}

export async function adminDeleteAgent(ctx: ServiceContext, input: { slug: string }): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const agent = await findVisibleAgent(tx.db, tx.actor, input.slug);
    await deleteAgentRow(tx.db, agent.id);
  });
  await invalidateCatalog(ctx.ports);
}

/** Moves every named agent that exists; `updated` says how many that was. */
export async function bulkMoveCategory(ctx: ServiceContext, input: BulkCategoryInput): Promise<{ updated: number }> {
  const categoryId = await resolveCategoryRef(ctx.db, input.new_category, ["body", "new_category"], { allowNone: true });
  const moved = await ctx.db
    .update(agents)
    .set({ categoryId })
    .where(inArray(agents.slug, [...new Set(input.agent_slugs)]))
    .returning({ id: agents.id });
  await invalidateCatalog(ctx.ports);
  return { updated: moved.length };
}

/** Puts a version back to pending (its old results go) and queues its validation after commit. */
export async function revalidateAgent(ctx: ServiceContext, input: RevalidateInput): Promise<RevalidateAccepted> {
  const version = await withTransaction(ctx, async (tx) => {
    const agent = await findVisibleAgent(tx.db, tx.actor, input.slug);
    const row = await findVersionOrThrow(tx.db, agent, input.version);
    await tx.db.delete(validationResults).where(eq(validationResults.versionId, row.id));
    await tx.db
      .update(agentVersions)
      .set({ validationStatus: "pending", tested: false, securityScanPassed: false, qualityScore: null, validationStartedAt: null, validationFinishedAt: null })
      .where(and(eq(agentVersions.id, row.id), eq(agentVersions.agentId, agent.id)));
    await refreshCurrentVersion(tx.db, agent.id);
    return row;
  });
  await invalidateCatalog(ctx.ports);
  await enqueueValidation(ctx, version.id);
  return { agent_slug: input.slug, version: version.version, validation_status: "pending", message: "Validation queued" };
}
