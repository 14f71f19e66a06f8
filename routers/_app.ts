import { router } from "../src/trpc/init.ts";
import { adminAgentsRouter } from "./admin-agents.ts";
import { adminJobsRouter } from "./admin-jobs.ts";
import { adminUsersRouter } from "./admin-users.ts";
import { agentsRouter } from "./agents.ts";
import { authRouter } from "./auth.ts";
import { categoriesRouter } from "./categories.ts";
import { deprecationRouter } from "./deprecation.ts";
import { discoveryRouter } from "./discovery.ts";
import { profilesRouter } from "./profiles.ts";
import { reviewsRouter } from "./reviews.ts";
import { searchRouter } from "./search.ts";
import { starsRouter } from "./stars.ts";
import { tokensRouter } from "./tokens.ts";
import { trustedPublishersRouter } from "./trusted-publishers.ts";
import { usersRouter } from "./users.ts";
import { versionsRouter } from "./versions.ts";
import { webhooksRouter } from "./webhooks.ts";

export const appRouter = router({
  categories: categoriesRouter,
  auth: authRouter,
  tokens: tokensRouter,
  users: usersRouter,
  adminUsers: adminUsersRouter,
  adminJobs: adminJobsRouter,
  webhooks: webhooksRouter,
  agents: agentsRouter,
  versions: versionsRouter,
  deprecation: deprecationRouter,
  trustedPublishers: trustedPublishersRouter,
  stars: starsRouter,
  reviews: reviewsRouter,
  // After users: its static /users/me must match before /users/{username}.
  profiles: profilesRouter,
  adminAgents: adminAgentsRouter,
  search: searchRouter,
  discovery: discoveryRouter,
});

export type AppRouter = typeof appRouter;
