import { asc, count, eq, or, sql } from "drizzle-orm";
import { agents, categories } from "../../db/schema/index.ts";
import type { Category, CreateCategoryInput, UpdateCategoryInput } from "../contract/categories.ts";
import { BadRequest, Conflict, fieldError, NotFound } from "../errors.ts";
import type { Executor } from "../lib/db/db.ts";
import { isUniqueViolation } from "../lib/db/errors.ts";
import { cachedRead, invalidateCatalog, LIST_TTL_SECONDS } from "./catalog-cache.ts";
import type { ServiceContext } from "./context.ts";
import { withTransaction } from "./context.ts";

const categoryColumns = {
  id: categories.id,
  name: categories.name,
  slug: categories.slug,
  icon: categories.icon,
  description: categories.description,
  // Counted in the same query as the category, so it is exact and cannot drift.
  agent_count: sql<number>`count(${agents.id}) filter (where ${agents.isPublic})`.mapWith(Number),
};

/** Categories joined to their agents; every read of a category goes through this. */
function selectCategories(db: Executor) {
  return db.select(categoryColumns).from(categories).leftJoin(agents, eq(agents.categoryId, categories.id)).groupBy(categories.id).$dynamic();
}

/**
 * The counts scan every agent, so answers are cached like the catalog's and every write that can
 * change a count (publish, visibility, category moves, deletes) invalidates them after its commit.
 */
export async function listCategories(ctx: ServiceContext): Promise<{ categories: Category[]; items: Category[] }> {
  return cachedRead(ctx, { name: "categories.list", input: null, ttlSeconds: LIST_TTL_SECONDS, perViewer: false, counters: false }, async () => {
    const rows = await selectCategories(ctx.db).orderBy(asc(categories.name));
    return { categories: rows, items: rows };
  });
}

export async function getCategory(ctx: ServiceContext, input: { slug: string }): Promise<Category> {
  return cachedRead(ctx, { name: "categories.get", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: false, counters: false }, () =>
    findCategoryOrThrow(ctx.db, input.slug),
  );
}

export async function createCategory(ctx: ServiceContext, input: CreateCategoryInput): Promise<Category> {
  try {
    const [row] = await ctx.db
      .insert(categories)
      .values({ name: input.name, slug: input.slug, icon: input.icon ?? null, description: input.description ?? null })
      .returning({ slug: categories.slug });
    await invalidateCatalog(ctx.ports);
    return findCategoryOrThrow(ctx.db, row!.slug);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`Category with slug '${input.slug}' or name '${input.name}' already exists`);
    throw error;
  }
}

export async function updateCategory(ctx: ServiceContext, input: UpdateCategoryInput): Promise<Category> {
  const changes: Partial<typeof categories.$inferInsert> = { updatedAt: new Date() };
  if (input.name !== undefined) changes.name = input.name;
  if (input.icon !== undefined) changes.icon = input.icon;
  if (input.description !== undefined) changes.description = input.description;
  try {
    const updated = await ctx.db.update(categories).set(changes).where(eq(categories.slug, input.slug)).returning({ id: categories.id });
    if (updated.length === 0) throw categoryNotFound(input.slug);
  } catch (error) {
    if (isUniqueViolation(error)) throw new Conflict(`Category name '${input.name}' is already taken`);
    throw error;
  }
  await invalidateCatalog(ctx.ports);
  return findCategoryOrThrow(ctx.db, input.slug);
}

export async function deleteCategory(ctx: ServiceContext, input: { slug: string }): Promise<void> {
  await withTransaction(ctx, async (tx: ServiceContext) => {
    // Lock the row so an agent cannot be filed under it between the count and the delete.
    const [row] = await tx.db.select({ id: categories.id }).from(categories).where(eq(categories.slug, input.slug)).for("update");
    if (!row) throw categoryNotFound(input.slug);
    const [{ n } = { n: 0 }] = await tx.db.select({ n: count() }).from(agents).where(eq(agents.categoryId, row.id));
    if (n > 0) throw new BadRequest(`Cannot delete category with ${n} agent(s). Move them first.`);
    await tx.db.delete(categories).where(eq(categories.id, row.id));
  });
  await invalidateCatalog(ctx.ports);
}

async function findCategoryOrThrow(db: Executor, slug: string): Promise<Category> {
  const [row] = await selectCategories(db).where(eq(categories.slug, slug));
  if (!row) throw categoryNotFound(slug);
  return row;
}

function categoryNotFound(slug: string): NotFound {
  return new NotFound(`Category '${slug}' not found`);
}

/**
 * The category an agent is filed under, named by slug or by name (both case-insensitive), as
 * publish and updates accept it. "uncategorized" means none when `allowNone`. A name that matches
 * nothing is a 422 at `loc`.
 */
export async function resolveCategoryRef(db: Executor, ref: string, loc: (string | number)[], { allowNone }: { allowNone: boolean }): Promise<number | null> {
  const wanted = ref.trim().toLowerCase();
  const [row] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(or(eq(categories.slug, wanted), eq(sql`lower(${categories.name})`, wanted)))
    .orderBy(sql`${categories.slug} = ${wanted} desc`)
    .limit(1);
  if (row) return row.id;
  if (allowNone && wanted === "uncategorized") return null;
  throw fieldError(loc, `Category '${ref}' does not exist`);
}
