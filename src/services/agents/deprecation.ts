import { and, eq } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { AgentDetail } from "../../contract/agents.ts";
import type { DeprecateInput } from "../../contract/lifecycle.ts";
import { fieldError } from "../../errors.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import { type AuthedContext, withTransaction } from "../context.ts";
import { agentDetail, findManageableAgent } from "./agents.ts";
import { visibleTo } from "./queries.ts";

/**
 * Deprecation (npm's `deprecate`, the MCP registry's `status: deprecated`): the agent stays
 * installable, answers say so with the author's message and replacement, and search ranks it
 * after agents of similar relevance. Author or admin; deprecating again replaces the message.
 */
export async function deprecateAgent(ctx: AuthedContext, input: DeprecateInput): Promise<AgentDetail> {
  await withTransaction(ctx, async (tx) => {
    const agent = await findManageableAgent(tx.db, tx.actor, input.slug);
    const replacement = input.replacement ?? null;
    if (replacement !== null) {
      if (replacement === agent.slug) throw fieldError(["body", "replacement"], "An agent cannot replace itself");
      // Only an agent the caller can see: naming a hidden one must not confirm that it exists.
      const [found] = await tx.db
        .select({ id: agents.id })
        .from(agents)
        .where(and(eq(agents.slug, replacement), visibleTo(tx.actor)));
      if (!found) throw fieldError(["body", "replacement"], `Agent '${replacement}' not found`);
    }
    await tx.db
      .update(agents)
      .set({ deprecatedAt: agent.deprecatedAt ?? new Date(), deprecationMessage: input.message, deprecationReplacement: replacement })
      .where(eq(agents.id, agent.id));
  });
  await invalidateCatalog(ctx.ports);
  return agentDetail(ctx.db, ctx.actor, input.slug);
}

export async function undeprecateAgent(ctx: AuthedContext, input: { slug: string }): Promise<AgentDetail> {
  await withTransaction(ctx, async (tx) => {
    const agent = await findManageableAgent(tx.db, tx.actor, input.slug);
    await tx.db.update(agents).set({ deprecatedAt: null, deprecationMessage: null, deprecationReplacement: null }).where(eq(agents.id, agent.id));
  });
  await invalidateCatalog(ctx.ports);
  return agentDetail(ctx.db, ctx.actor, input.slug);
}
