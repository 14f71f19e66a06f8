import { relations } from "drizzle-orm";
import { agents, agentVersions } from "./agents.ts";
import { agentDailyStats, agentTrends, downloadEvents } from "./analytics.ts";
import { apiTokens, rotatedRefreshTokens, sessions } from "./auth.ts";
import { categories } from "./categories.ts";
import { webhookDeliveries } from "./operations.ts";
import { reviews, reviewVotes } from "./reviews.ts";
import { starEvents, stars } from "./stars.ts";
import { users } from "./users.ts";
import { validationResults } from "./validation.ts";

/** Relations for drizzle's relational queries (`db.query.*`); they add no SQL constraints. */

export const usersRelations = relations(users, ({ many }) => ({
  agents: many(agents),
  sessions: many(sessions),
  apiTokens: many(apiTokens),
  stars: many(stars),
  reviews: many(reviews),
  reviewVotes: many(reviewVotes),
  webhookDeliveries: many(webhookDeliveries),
}));

export const sessionsRelations = relations(sessions, ({ one, many }) => ({
  user: one(users, { fields: [sessions.userId], references: [users.id] }),
  rotatedRefreshTokens: many(rotatedRefreshTokens),
}));

export const rotatedRefreshTokensRelations = relations(rotatedRefreshTokens, ({ one }) => ({
  session: one(sessions, { fields: [rotatedRefreshTokens.sessionId], references: [sessions.id] }),
}));

export const apiTokensRelations = relations(apiTokens, ({ one }) => ({
  user: one(users, { fields: [apiTokens.userId], references: [users.id] }),
}));

export const categoriesRelations = relations(categories, ({ many }) => ({
  agents: many(agents),
}));

export const agentsRelations = relations(agents, ({ one, many }) => ({
  author: one(users, { fields: [agents.authorId], references: [users.id] }),
  category: one(categories, { fields: [agents.categoryId], references: [categories.id] }),
  versions: many(agentVersions, { relationName: "agent_versions" }),
  currentVersion: one(agentVersions, {
    fields: [agents.currentVersionId],
    references: [agentVersions.id],
    relationName: "agent_current_version",
  }),
  stars: many(stars),
  starEvents: many(starEvents),
  reviews: many(reviews),
  downloadEvents: many(downloadEvents),
  dailyStats: many(agentDailyStats),
  trends: many(agentTrends),
}));

export const agentVersionsRelations = relations(agentVersions, ({ one, many }) => ({
  agent: one(agents, {
    fields: [agentVersions.agentId],
    references: [agents.id],
    relationName: "agent_versions",
  }),
  validationResults: many(validationResults),
  downloadEvents: many(downloadEvents),
}));

export const validationResultsRelations = relations(validationResults, ({ one }) => ({
  version: one(agentVersions, {
    fields: [validationResults.versionId],
    references: [agentVersions.id],
  }),
}));

export const starsRelations = relations(stars, ({ one }) => ({
  user: one(users, { fields: [stars.userId], references: [users.id] }),
  agent: one(agents, { fields: [stars.agentId], references: [agents.id] }),
}));

export const starEventsRelations = relations(starEvents, ({ one }) => ({
  agent: one(agents, { fields: [starEvents.agentId], references: [agents.id] }),
  user: one(users, { fields: [starEvents.userId], references: [users.id] }),
}));

export const reviewsRelations = relations(reviews, ({ one, many }) => ({
  agent: one(agents, { fields: [reviews.agentId], references: [agents.id] }),
  user: one(users, { fields: [reviews.userId], references: [users.id] }),
  votes: many(reviewVotes),
}));

export const reviewVotesRelations = relations(reviewVotes, ({ one }) => ({
  review: one(reviews, { fields: [reviewVotes.reviewId], references: [reviews.id] }),
  user: one(users, { fields: [reviewVotes.userId], references: [users.id] }),
}));

export const downloadEventsRelations = relations(downloadEvents, ({ one }) => ({
  agent: one(agents, { fields: [downloadEvents.agentId], references: [agents.id] }),
  version: one(agentVersions, {
    fields: [downloadEvents.versionId],
    references: [agentVersions.id],
  }),
  user: one(users, { fields: [downloadEvents.userId], references: [users.id] }),
}));

export const agentDailyStatsRelations = relations(agentDailyStats, ({ one }) => ({
  agent: one(agents, { fields: [agentDailyStats.agentId], references: [agents.id] }),
}));

export const agentTrendsRelations = relations(agentTrends, ({ one }) => ({
  agent: one(agents, { fields: [agentTrends.agentId], references: [agents.id] }),
}));

export const webhookDeliveriesRelations = relations(webhookDeliveries, ({ one }) => ({
  user: one(users, { fields: [webhookDeliveries.userId], references: [users.id] }),
}));
