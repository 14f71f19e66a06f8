import { and, eq, getTableColumns, sql } from "drizzle-orm";
import { agents, agentVersions } from "../../../db/schema/index.ts";
import type { AgentDetail } from "../../contract/agents.ts";
import type { Database, Executor } from "../../lib/db/db.ts";
import { currentDatabase } from "../../lib/db/read-replica.ts";
import { type Actor, isAdmin, userIdOf } from "../actor.ts";
import { agentNotFound, listedAgents, selectAgentDetails, visibleToUser } from "./queries.ts";
import { bySemverDescending, detailOf, type VersionRow } from "./versions.ts";

/**
 * The agent detail as ONE prepared statement: the summary, and its versions as a JSON array built
 * by PostgreSQL in the same query (two queries cost twice a round trip, and on the embedded
 * database twice its per-statement overhead). Building drizzle's SQL text was 40% of an uncached
 * detail, hence prepared. One set per database handle; the visibility rule comes from queries.ts,
 * in its three shapes (admin, anonymous, a user).
 */

const { readme, ...versionColumns } = getTableColumns(agentVersions);
const versionFields = Object.entries(versionColumns).map(([key, column]) => sql`${sql.raw(`'${key}'`)}, ${column}`);
const versionObject = sql`json_build_object(${sql.join(versionFields, sql`, `)}, 'hasReadme', ${readme} is not null)`;
const versionsJson = sql<unknown>`(select coalesce(json_agg(${versionObject}), '[]'::json) from ${agentVersions} where ${agentVersions.agentId} = ${agents.id})`;

/** A version from the JSON array, through each column's own driver mapping (timestamps to Dates, arrays, jsonb). */
function versionFromJson(json: Record<string, unknown>): VersionRow {
  const row: Record<string, unknown> = { hasReadme: json.hasReadme === true };
  for (const [key, column] of Object.entries(versionColumns)) {
    const value = json[key];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as VersionRow;
}

type Prepared = ReturnType<typeof prepare>;
const preparedByDb = new WeakMap<Database, Prepared>();

function prepare(db: Database) {
  const slug = eq(agents.slug, sql.placeholder("slug"));
  const select = () => selectAgentDetails(db, versionsJson);
  return {
    admin: select().where(slug).prepare("agent_detail_admin"),
    anonymous: select().where(and(slug, listedAgents())).prepare("agent_detail_anonymous"),
    user: select()
      .where(and(slug, visibleToUser(sql.placeholder("userId"))))
      .prepare("agent_detail_user"),
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
  const { versions: json, ...row } = summary;
  const list = (typeof json === "string" ? JSON.parse(json) : json) as Record<string, unknown>[];
  return detailOf(row, list.map(versionFromJson).sort(bySemverDescending));
}
