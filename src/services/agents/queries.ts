import { aliasedTable, and, asc, count, desc, eq, inArray, isNull, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import { agents, agentVersions, categories, users } from "../../../db/schema/index.ts";
import type { AgentSort, AgentSummary } from "../../contract/agents.ts";
import type { Deprecation } from "../../contract/lifecycle.ts";
import { NotFound } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { type Actor, isAdmin, userIdOf } from "../actor.ts";
import { type Page, toPage } from "../pagination.ts";

/**
 * The one read model of agents: every list and detail selects through here, and every one of
 * them applies `visibleTo`, so a private agent cannot leak through a route that forgot it.
 */

const currentVersion = aliasedTable(agentVersions, "current_version");

const summaryColumns = {
  id: agents.id,
  name: agents.name,
  slug: agents.slug,
  description: agents.description,
  authorId: agents.authorId,
  authorUsername: users.username,
  authorAvatarUrl: users.avatarUrl,
  categorySlug: categories.slug,
  currentVersion: currentVersion.version,
  currentStatus: currentVersion.validationStatus,
  currentStorageKey: currentVersion.storageKey,
  downloads: agents.downloads,
  stars: agents.stars,
  rating: agents.rating,
  isPublic: agents.isPublic,
  isValidated: agents.isValidated,
  deprecatedAt: agents.deprecatedAt,
  deprecationMessage: agents.deprecationMessage,
  deprecationReplacement: agents.deprecationReplacement,
  createdAt: agents.createdAt,
  updatedAt: agents.updatedAt,
};

export function selectAgentSummaries(db: Executor) {
  return db
    .select(summaryColumns)
    .from(agents)
    .innerJoin(users, eq(users.id, agents.authorId))
    .leftJoin(categories, eq(categories.id, agents.categoryId))
    .leftJoin(currentVersion, eq(currentVersion.id, agents.currentVersionId))
    .$dynamic();
}

/**
 * The summaries with one more column, `versions`: the agent's versions as a JSON array (built in
 * prepared.ts). The same joins as selectAgentSummaries; drizzle's builders do not compose
 * generically without an inferred type too large for the client's declarations.
 */
export function selectAgentDetails(db: Executor, versions: SQL<unknown>) {
  return db
    .select({ ...summaryColumns, versions })
    .from(agents)
    .innerJoin(users, eq(users.id, agents.authorId))
    .leftJoin(categories, eq(categories.id, agents.categoryId))
    .leftJoin(currentVersion, eq(currentVersion.id, agents.currentVersionId))
    .$dynamic();
}

export type AgentSummaryRow = Awaited<ReturnType<ReturnType<typeof selectAgentSummaries>["execute"]>>[number];

/**
 * Private agents exist only for their author and admins, and so do agents whose every version is
 * quarantined (their current version is then a quarantined one). Undefined means "no filter".
 */
export function visibleTo(actor: Actor): SQL | undefined {
  if (isAdmin(actor)) return undefined;
  const userId = userIdOf(actor);
  if (userId === null) return listedAgents();
  return visibleToUser(userId);
}

/** What a signed-in user sees; the id may be a prepared statement's placeholder. */
export function visibleToUser(userId: number | Placeholder): SQL {
  return or(listedAgents(), eq(agents.authorId, userId))!;
}

/** What everyone sees: public agents whose current version is not quarantined. */
export function listedAgents(): SQL {
  return and(eq(agents.isPublic, true), notQuarantined)!;
}

const notQuarantined = sql`not exists (select 1 from ${agentVersions} as qv where qv.id = ${agents.currentVersionId} and qv.quarantine_reason is not null)`;

export function isAuthor(actor: Actor, agent: { authorId: number }): boolean {
  return userIdOf(actor) === agent.authorId;
}

/** Ties break on id so pages never overlap or skip; the indexes on agents match these orders. */
export function agentOrder(sort: AgentSort): SQL[] {
  switch (sort) {
    case "downloads":
      return [desc(agents.downloads), desc(agents.stars), desc(agents.id)];
    case "stars":
      return [desc(agents.stars), desc(agents.id)];
    case "rating":
      return [desc(agents.rating), desc(agents.id)];
    case "name":
      return [asc(agents.name), asc(agents.id)];
    case "created_at":
      return [desc(agents.createdAt), desc(agents.id)];
  }
}

export function toAgentSummary(row: AgentSummaryRow): AgentSummary {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    author: { id: row.authorId, username: row.authorUsername, avatar_url: row.authorAvatarUrl },
    category: row.categorySlug ?? "uncategorized",
    current_version: row.currentVersion,
    downloads: row.downloads,
    stars: row.stars,
    rating: row.rating,
    is_public: row.isPublic,
    is_validated: row.isValidated,
    // An agent made without the publish flow (fixtures, imports) has no version yet.
    validation_status: row.currentStatus ?? "pending",
    deprecated: toDeprecation(row),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

function toDeprecation(row: { deprecatedAt: Date | null; deprecationMessage: string | null; deprecationReplacement: string | null }): Deprecation {
  if (row.deprecatedAt === null) return null;
  return { message: row.deprecationMessage ?? "", replacement: row.deprecationReplacement, deprecated_at: row.deprecatedAt.toISOString() };
}

/**
 * One page of summaries matching `where` (visibility already folded in by the caller) and their
 * count. With `total`, the count is asked of it (a cache: see listAgents) beside the page; without,
 * it is computed in the page's own statement, an uncorrelated subquery evaluated once (inside it,
 * "agents" names the subquery's own table, so `where` filters the count as it filters the page).
 */
export async function pageOfAgents(
  db: Executor,
  where: SQL | undefined,
  input: { limit: number; offset: number; sort: AgentSort },
  options: { total?: (count: () => Promise<number>) => Promise<number> } = {},
): Promise<Page<AgentSummary>> {
  const countAll = async () => Number((await db.select({ n: count() }).from(agents).where(where))[0]?.n ?? 0);
  if (options.total) {
    const [rows, total] = await Promise.all([
      selectAgentSummaries(db)
        .where(where)
        .orderBy(...agentOrder(input.sort))
        .limit(input.limit)
        .offset(input.offset),
      options.total(countAll),
    ]);
    return toPage(rows.map(toAgentSummary), total, input);
  }
  const counted = sql<number>`(select count(*) from ${agents} where ${where ?? sql`true`})`.mapWith(Number);
  const rows = await db
    .select({ ...summaryColumns, total: counted })
    .from(agents)
    .innerJoin(users, eq(users.id, agents.authorId))
    .leftJoin(categories, eq(categories.id, agents.categoryId))
    .leftJoin(currentVersion, eq(currentVersion.id, agents.currentVersionId))
    .where(where)
    .orderBy(...agentOrder(input.sort))
    .limit(input.limit)
    .offset(input.offset);
  // Past the last page no row carries the count.
  const total = rows[0]?.total ?? (input.offset > 0 ? await countAll() : 0);
  return toPage(
    rows.map(({ total: _, ...row }) => toAgentSummary(row)),
    total,
    input,
  );
}

/** Filter for a category slug; "uncategorized" means agents without one. */
export function inCategorySlug(db: Executor, slug: string): SQL {
  if (slug === "uncategorized") return isNull(agents.categoryId);
  return eq(agents.categoryId, db.select({ id: categories.id }).from(categories).where(eq(categories.slug, slug)));
}

export type AgentRow = typeof agents.$inferSelect;

/** The agent row when the actor may see it; 404 with the contract's message otherwise. */
export async function findVisibleAgent(db: Executor, actor: Actor, slug: string): Promise<AgentRow> {
  const [row] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.slug, slug), visibleTo(actor)));
  if (!row) throw agentNotFound(slug);
  return row;
}

export async function findVisibleSummary(db: Executor, actor: Actor, slug: string): Promise<AgentSummaryRow> {
  const [row] = await selectAgentSummaries(db).where(and(eq(agents.slug, slug), visibleTo(actor)));
  if (!row) throw agentNotFound(slug);
  return row;
}

export function agentNotFound(slug: string): NotFound {
  return new NotFound(`Agent '${slug}' not found`);
}

/** Whether the user authors an agent the public cannot see (private, or quarantined): their view differs. */
export async function hasHiddenAgents(db: Executor, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.authorId, userId), sql`not (${listedAgents()})`))
    .limit(1);
  return row !== undefined;
}

export interface AgentCounters {
  downloads: number;
  stars: number;
  rating: number;
}

/** The volatile counters of some agents, by id (one primary-key lookup). */
export async function countersOf(db: Executor, ids: readonly number[]): Promise<Map<number, AgentCounters>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: agents.id, downloads: agents.downloads, stars: agents.stars, rating: agents.rating })
    .from(agents)
    .where(inArray(agents.id, [...ids]));
  return new Map(rows.map(({ id, ...counters }) => [id, counters]));
}
