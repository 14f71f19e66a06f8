import { and, eq } from "drizzle-orm";
import { agents, agentVersions, categories } from "../../../db/schema/index.ts";
import type { AgentDetail, AgentPage, CategoryAgentsInput, ListAgentsInput, UpdateAgentInput } from "../../contract/agents.ts";
import { Forbidden, NotFound } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { type Actor, isAdmin } from "../actor.ts";
import { cachedRead, DETAIL_TTL_SECONDS, invalidateCatalog, LIST_TTL_SECONDS } from "../catalog-cache.ts";
import { resolveCategoryRef } from "../categories.ts";
import { type ServiceContext, withTransaction } from "../context.ts";
import { queueObjectDeletions } from "../storage/deletions.ts";
import { preparedAgentDetail } from "./prepared.ts";
import { type AgentRow, findVisibleAgent, findVisibleSummary, inCategorySlug, isAuthor, pageOfAgents, visibleTo } from "./queries.ts";
import { detailOf, loadVersions } from "./versions.ts";

export async function listAgents(ctx: ServiceContext, input: ListAgentsInput): Promise<AgentPage> {
  return cachedRead(ctx, { name: "agents.list", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: true }, () => {
    const category = input.category === undefined ? undefined : inCategorySlug(ctx.db, input.category);
    return pageOfAgents(ctx.db, and(visibleTo(ctx.actor), category), input, { total: cachedCount(ctx, { category: input.category ?? null }) });
  });
}

/**
 * The number of agents a viewer sees (in a category), shared by every page and sort of the list
 * and cached until the catalog changes: at 100,000 agents the count costs ~40 ms, the page ~1 ms.
 * Downloads and stars do not move it, so the counters generation is not in its key. `category` is
 * the list's filter ("uncategorized" means none); `categoryId` the category page's.
 */
function cachedCount(ctx: ServiceContext, input: { category: string | null } | { categoryId: number }) {
  return (count: () => Promise<number>) =>
    cachedRead(ctx, { name: "agents.count", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: true, counters: false }, count);
}

export async function listCategoryAgents(ctx: ServiceContext, input: CategoryAgentsInput): Promise<AgentPage> {
  return cachedRead(ctx, { name: "agents.byCategory", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: true }, () => categoryAgents(ctx, input));
}

async function categoryAgents(ctx: ServiceContext, input: CategoryAgentsInput): Promise<AgentPage> {
  const [category] = await ctx.db.select({ id: categories.id }).from(categories).where(eq(categories.slug, input.slug));
  if (!category) throw new NotFound(`Category '${input.slug}' not found`);
  return pageOfAgents(ctx.db, and(visibleTo(ctx.actor), eq(agents.categoryId, category.id)), input, { total: cachedCount(ctx, { categoryId: category.id }) });
}

export async function getAgent(ctx: ServiceContext, input: { slug: string }): Promise<AgentDetail> {
  return cachedRead(ctx, { name: "agents.get", input, ttlSeconds: DETAIL_TTL_SECONDS, perViewer: true }, () => agentDetail(ctx.db, ctx.actor, input.slug));
}

/** AgentSummary + its versions, newest semver first. */
export async function agentDetail(db: Executor, actor: Actor, slug: string): Promise<AgentDetail> {
  const prepared = await preparedAgentDetail(db, actor, slug);
  if (prepared) return prepared;
  const summary = await findVisibleSummary(db, actor, slug);
  return detailOf(summary, await loadVersions(db, summary.id));
}

export async function updateAgent(ctx: ServiceContext, input: UpdateAgentInput): Promise<AgentDetail> {
  await withTransaction(ctx, async (tx) => {
    const agent = await findManageableAgent(tx.db, tx.actor, input.slug);
    const changes: Partial<typeof agents.$inferInsert> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.description !== undefined) changes.description = input.description;
    if (input.is_public !== undefined) changes.isPublic = input.is_public;
    if (input.category !== undefined) changes.categoryId = await resolveCategoryRef(tx.db, input.category, ["body", "category"], { allowNone: true });
    if (Object.keys(changes).length > 0) await tx.db.update(agents).set(changes).where(eq(agents.id, agent.id));
  });
  await invalidateCatalog(ctx.ports);
  return agentDetail(ctx.db, ctx.actor, input.slug);
}

export async function deleteAgent(ctx: ServiceContext, input: { slug: string }): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    const agent = await findManageableAgent(tx.db, tx.actor, input.slug);
    await deleteAgentRow(tx.db, agent.id);
  });
  await invalidateCatalog(ctx.ports);
}

/**
 * Hard delete; the agent's stored archives are filed for the cleanup job in the same transaction.
 * The row lock waits for a publish to this agent that is still committing, so its key is filed too.
 */
export async function deleteAgentRow(db: Executor, agentId: number): Promise<void> {
  await db.select({ id: agents.id }).from(agents).where(eq(agents.id, agentId)).for("update");
  const versions = await db.select({ key: agentVersions.storageKey }).from(agentVersions).where(eq(agentVersions.agentId, agentId));
  await queueObjectDeletions(
    db,
    versions.map((v) => v.key),
    "agent_deleted",
  );
  await db.delete(agents).where(eq(agents.id, agentId));
}

/** The agent when the actor is its author or an admin; 404 when they cannot see it, 403 otherwise. */
export async function findManageableAgent(db: Executor, actor: Actor, slug: string): Promise<AgentRow> {
  const agent = await findVisibleAgent(db, actor, slug);
  if (!isAuthor(actor, agent) && !isAdmin(actor)) throw new Forbidden("Only the author or an admin can change this agent");
  return agent;
}
