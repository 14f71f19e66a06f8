import { and, count, desc, eq, sql } from "drizzle-orm";
import { agents, reviews, stars, type User as UserRow, users } from "../../../db/schema/index.ts";
import type { AgentPage } from "../../contract/agents.ts";
import type { UserAgentsInput, UserPageInput } from "../../contract/profiles.ts";
import type { ReviewPage } from "../../contract/reviews.ts";
import type { UserProfile } from "../../contract/users.ts";
import { NotFound } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import { pageOfAgents, selectAgentSummaries, toAgentSummary, visibleTo } from "../agents/queries.ts";
import type { ServiceContext } from "../context.ts";
import { toPage } from "../pagination.ts";
import { pageOfReviews, reviewOrder } from "../reviews.ts";
import { canSeeEmail, toUser, userStats } from "./users.ts";

/**
 * Public profiles (contract section 7): /users/{username} and the user's agents, stars and
 * reviews. What a viewer sees follows the agents' visibility: a private agent shows only to its
 * author and admins, in the lists and in the stats alike.
 */

export async function getUserProfile(ctx: ServiceContext, input: { username: string }): Promise<UserProfile> {
  const user = await findUserByName(ctx.db, input.username);
  // The user themself and admins see the email and the private agents in the stats.
  const privileged = canSeeEmail(ctx.actor, user.id);
  return { ...toUser(user, privileged), stats: await userStats(ctx.db, user.id, privileged) };
}

export async function listUserAgents(ctx: ServiceContext, input: UserAgentsInput): Promise<AgentPage> {
  const user = await findUserByName(ctx.db, input.username);
  return pageOfAgents(ctx.db, and(eq(agents.authorId, user.id), visibleTo(ctx.actor)), input);
}

/** Newest star first. */
export async function listUserStarred(ctx: ServiceContext, input: UserPageInput): Promise<AgentPage> {
  const user = await findUserByName(ctx.db, input.username);
  const starredBy = and(eq(stars.agentId, agents.id), eq(stars.userId, user.id));
  const visible = visibleTo(ctx.actor);
  const [rows, [total]] = await Promise.all([
    selectAgentSummaries(ctx.db)
      .innerJoin(stars, starredBy)
      .where(visible)
      .orderBy(desc(stars.createdAt), desc(stars.agentId))
      .limit(input.limit)
      .offset(input.offset),
    ctx.db.select({ n: count() }).from(stars).innerJoin(agents, starredBy).where(visible),
  ]);
  return toPage(rows.map(toAgentSummary), total?.n ?? 0, input);
}

/** Newest review first. */
export async function listUserReviews(ctx: ServiceContext, input: UserPageInput): Promise<ReviewPage> {
  const user = await findUserByName(ctx.db, input.username);
  return pageOfReviews(ctx.db, and(eq(reviews.userId, user.id), visibleTo(ctx.actor)), input, reviewOrder.recent);
}

/** Usernames are unique case-insensitively (users_username_lower_unique). */
async function findUserByName(db: Executor, username: string): Promise<UserRow> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
  if (!row) throw new NotFound(`User '${username}' not found`);
  return row;
}
