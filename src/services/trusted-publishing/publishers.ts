import { and, asc, eq } from "drizzle-orm";
import { type TrustedPublisher, trustedPublishers } from "../../../db/schema/index.ts";
import type { AddTrustedPublisherInput, TrustedPublisherInfo } from "../../contract/trusted-publishing.ts";
import { Conflict, NotFound } from "../../errors.ts";
import { findManageableAgent } from "../agents/agents.ts";
import type { AuthedContext } from "../context.ts";

/** The trusted publishers of an agent: its author or an admin lists, adds and removes them (reading them too: they name the CI setup). */

export async function listTrustedPublishers(ctx: AuthedContext, input: { slug: string }): Promise<{ items: TrustedPublisherInfo[] }> {
  const agent = await findManageableAgent(ctx.db, ctx.actor, input.slug);
  const rows = await ctx.db.select().from(trustedPublishers).where(eq(trustedPublishers.agentId, agent.id)).orderBy(asc(trustedPublishers.id));
  return { items: rows.map(toInfo) };
}

export async function addTrustedPublisher(ctx: AuthedContext, input: AddTrustedPublisherInput): Promise<TrustedPublisherInfo> {
  const agent = await findManageableAgent(ctx.db, ctx.actor, input.slug);
  const [row] = await ctx.db
    .insert(trustedPublishers)
    .values({
      agentId: agent.id,
      provider: input.provider,
      // GitHub compares owner, repository and workflow names case-insensitively; so do we.
      repository: input.repository.toLowerCase(),
      workflow: input.workflow.toLowerCase(),
      environment: input.environment?.toLowerCase() ?? null,
      createdById: ctx.actor.user.id,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new Conflict("This trusted publisher is already registered for the agent");
  return toInfo(row);
}

export async function removeTrustedPublisher(ctx: AuthedContext, input: { slug: string; id: number }): Promise<void> {
  const agent = await findManageableAgent(ctx.db, ctx.actor, input.slug);
  const removed = await ctx.db
    .delete(trustedPublishers)
    .where(and(eq(trustedPublishers.id, input.id), eq(trustedPublishers.agentId, agent.id)))
    .returning({ id: trustedPublishers.id });
  if (removed.length === 0) throw new NotFound(`Trusted publisher ${input.id} of '${agent.slug}' not found`);
}

function toInfo(row: TrustedPublisher): TrustedPublisherInfo {
  return {
    id: row.id,
    provider: row.provider,
    repository: row.repository,
    workflow: row.workflow,
    environment: row.environment,
    created_at: row.createdAt.toISOString(),
  };
}
