import { router } from "../src/trpc/init.ts";
import { adminJobsRouter } from "./admin-jobs.ts";
import { adminUsersRouter } from "./admin-users.ts";
import { authRouter } from "./auth.ts";
import { categoriesRouter } from "./categories.ts";
import { tokensRouter } from "./tokens.ts";
import { usersRouter } from "./users.ts";

export const appRouter = router({
  categories: categoriesRouter,
  auth: authRouter,
  tokens: tokensRouter,
  users: usersRouter,
  adminUsers: adminUsersRouter,
  adminJobs: adminJobsRouter,
});

export type AppRouter = typeof appRouter;
