import { desc, or, sql } from "drizzle-orm";
import { users } from "../../../db/schema/index.ts";
import type { UserSummary } from "../../contract/common.ts";
import type { Executor } from "../../lib/db/db.ts";
import { escapeLike, type SearchText } from "../search/text.ts";

/**
 * The people half of GET /search: usernames that contain the query or are trigram-similar to it
 * (typos), exact name first, then names starting with it, then the closest; reputation breaks ties.
 */
export async function findUsers(db: Executor, search: SearchText, limit: number): Promise<{ items: UserSummary[]; total: number }> {
  if (search.text === "") return { items: [], total: 0 };
  const lowered = sql`lower(${search.text})`;
  const name = sql`lower(${users.username})`;
  const pattern = escapeLike(search.text);
  const relevance = sql`(
    3.0 * (${name} = ${lowered})::int
    + 1.5 * (${name} like (lower(${pattern}) || '%'))::int
    + word_similarity(${lowered}, ${name})
  )`;
  const rows = await db
    .select({ id: users.id, username: users.username, avatar_url: users.avatarUrl, total: sql<number>`count(*) over ()`.mapWith(Number) })
    .from(users)
    .where(or(sql`${name} like ('%' || lower(${pattern}) || '%')`, sql`${lowered} <% ${name}`))
    .orderBy(desc(relevance), desc(users.reputation), desc(users.id))
    .limit(limit);
  return { items: rows.map(({ total: _, ...user }) => user), total: rows[0]?.total ?? 0 };
}
