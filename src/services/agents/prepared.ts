import { and, eq, sql } from "drizzle-orm";
import { agents, agentVersions } from "../../../db/schema/index.ts";
import type { AgentDetail } from "../../contract/agents.ts";
import type { Database, Executor } from "../../lib/db/db.ts";
import { currentDatabase } from "../../lib/db/read-replica.ts";
import { type Actor, isAdmin, userIdOf } from "../actor.ts";
import { agentNotFound, listedAgents, selectAgentSummaries, visibleToUser } from "./queries.ts";
import { bySemverDescending, detailOf, versionRowColumns } from "./versions.ts";

/**
 * The agent detail's two queries as prepared statements: building drizzle's SQL text was 40% of
 * an uncached detail. One set per database handle; the visibility rule comes from queries.ts, in
 * its three shapes (admin, anonymous, a user).
 */

type Prepared = ReturnType<typeof prepare>;
const preparedByDb = new WeakMap<Database, Prepared>();

function prepare(db: Database) {
  const slug = eq(agents.slug, sql.placeholder("slug"));
  return {
    admin: selectAgentSummaries(db).where(slug).prepare("agent_detail_admin"),
    anonymous: selectAgentSummaries(db).where(and(slug, listedAgents())).prepare("agent_detail_anonymous"),
    user: selectAgentSummaries(db)
      .where(and(slug, visibleToUser(sql.placeholder("userId"))))
      .prepare("agent_detail_user"),
    versions: db
      .select(versionRowColumns)
      .from(agentVersions)
      .where(eq(agentVersions.agentId, sql.placeholder("agentId")))
      .prepare("agent_detail_versions"),
  };
}

/** AgentSummary + its versions, newest semver first; null when the database is a transaction (no prepared statements there). */
export async function preparedAgentDetail(db: Executor, actor: Actor, slug: string): Promise<AgentDetail | null> {
  if ("rollback" in db) return null;
  // With a read replica, `db` routes per call: statements prepared through it would stay bound
  // to whichever pool it pointed at when they were made.
  const target = currentDatabase(db);
  let prepared = preparedByDb.get(target);
  if (!prepared) {
    prepared = prepare(target);
    preparedByDb.set(target, prepared);
  }
  const userId = userIdOf(actor);
  const [summary] = isAdmin(actor)
    ? await prepared.admin.execute({ slug })
    : userId === null
      ? await prepared.anonymous.execute({ slug })
      : await prepared.user.execute({ slug, userId });
  if (!summary) throw agentNotFound(slug);
  const versions = (await prepared.versions.execute({ agentId: summary.id })).sort(bySemverDescending);
  return detailOf(summary, versions);
}
