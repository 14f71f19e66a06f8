import { and, eq, sql } from "drizzle-orm";
import { agents, starEvents, stars } from "../../db/schema/index.ts";
import { Conflict, NotFound } from "../errors.ts";
import { isForeignKeyViolation } from "../lib/db/errors.ts";
import { agentNotFound, findVisibleAgent } from "./agents/queries.ts";
import { invalidateCounters } from "./catalog-cache.ts";
import { type AuthedContext, withTransaction } from "./context.ts";

/**
 * Stars: the stars row, a star_events row and agents.stars change in one transaction, with a
 * relative update, so the counter equals the rows however many requests race.
 */

export async function starAgent(ctx: AuthedContext, input: { slug: string }): Promise<void> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const userId = ctx.actor.user.id;
  try {
    await withTransaction(ctx, async (tx) => {
      const [added] = await tx.db.insert(stars).values({ userId, agentId: agent.id }).onConflictDoNothing().returning({ agentId: stars.agentId });
      if (!added) throw new Conflict("Agent already starred");
      await tx.db.insert(starEvents).values({ agentId: agent.id, userId, delta: 1 });
      await tx.db
        .update(agents)
        .set({ stars: sql`${agents.stars} + 1`, updatedAt: sql`${agents.updatedAt}` })
        .where(eq(agents.id, agent.id));
    });
  } catch (error) {
    // Deleted between the lookup and the insert.
    if (isForeignKeyViolation(error)) throw agentNotFound(input.slug);
    throw error;
  }
  await invalidateCounters(ctx.ports);
}

export async function unstarAgent(ctx: AuthedContext, input: { slug: string }): Promise<void> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const userId = ctx.actor.user.id;
  await withTransaction(ctx, async (tx) => {
    const [removed] = await tx.db
      .delete(stars)
      .where(and(eq(stars.userId, userId), eq(stars.agentId, agent.id)))
      .returning({ agentId: stars.agentId });
    if (!removed) throw new NotFound("Agent not starred");
    await tx.db.insert(starEvents).values({ agentId: agent.id, userId, delta: -1 });
    await tx.db
      .update(agents)
      .set({ stars: sql`${agents.stars} - 1`, updatedAt: sql`${agents.updatedAt}` })
      .where(eq(agents.id, agent.id));
  });
  await invalidateCounters(ctx.ports);
}
