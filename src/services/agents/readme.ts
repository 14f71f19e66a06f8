import { eq } from "drizzle-orm";
import { agentVersions } from "../../../db/schema/index.ts";
import { NotFound } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";
import { findVisibleAgent } from "./queries.ts";
import { findVersionOrThrow } from "./versions.ts";

/** The README.md of a version (the current one when none is named), as validation read it from the archive. */
export async function getReadme(ctx: ServiceContext, input: { slug: string; version?: string }): Promise<{ version: string; markdown: string }> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const version = await findVersionOrThrow(ctx.db, agent, input.version);
  const [row] = await ctx.db.select({ readme: agentVersions.readme }).from(agentVersions).where(eq(agentVersions.id, version.id));
  if (!row?.readme) {
    const pending = version.validationStatus === "pending" || version.validationStatus === "running";
    throw new NotFound(`Version '${version.version}' of '${agent.slug}' has no README${pending ? " yet: it is read when the version is validated" : ""}`);
  }
  return { version: version.version, markdown: row.readme };
}
