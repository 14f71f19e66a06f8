import { and, eq } from "drizzle-orm";
import { agents, agentVersions } from "../../../db/schema/index.ts";
import type { AgentVersion } from "../../contract/agents.ts";
import type { YankInput } from "../../contract/lifecycle.ts";
import { NotFound } from "../../errors.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import { type AuthedContext, withTransaction } from "../context.ts";
import { findManageableAgent } from "./agents.ts";
import { findVersionOrThrow, refreshCurrentVersion, toAgentVersion } from "./versions.ts";

/**
 * Yanking (PEP 592): the version stays, byte for byte, for whoever pins it; it is no longer
 * "latest" anywhere (detail, install without a version, download without a version, search).
 * Author or admin; yanking again replaces the reason and keeps the first yank's time.
 */
export async function yankVersion(ctx: AuthedContext, input: YankInput): Promise<AgentVersion> {
  return setYanked(ctx, input, input.reason);
}

export async function unyankVersion(ctx: AuthedContext, input: { slug: string; version: string }): Promise<AgentVersion> {
  return setYanked(ctx, input, null);
}

async function setYanked(ctx: AuthedContext, input: { slug: string; version: string }, reason: string | null): Promise<AgentVersion> {
  const updated = await withTransaction(ctx, async (tx) => {
    const agent = await findManageableAgent(tx.db, tx.actor, input.slug);
    // The agent row lock orders this with publishes and validations that also move the current version.
    await tx.db.select({ id: agents.id }).from(agents).where(eq(agents.id, agent.id)).for("update");
    const version = await findVersionOrThrow(tx.db, agent, input.version);
    const [row] = await tx.db
      .update(agentVersions)
      .set(reason === null ? { yankedAt: null, yankedReason: null } : { yankedAt: version.yankedAt ?? new Date(), yankedReason: reason })
      .where(and(eq(agentVersions.id, version.id), eq(agentVersions.agentId, agent.id)))
      .returning({ id: agentVersions.id });
    if (!row) throw new NotFound(`Version '${input.version}' of agent '${input.slug}' not found`);
    await refreshCurrentVersion(tx.db, agent.id);
    return findVersionOrThrow(tx.db, agent, input.version);
  });
  await invalidateCatalog(ctx.ports);
  return toAgentVersion(updated);
}
