import { router } from "../src/trpc/init.ts";
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
});

export type AppRouter = typeof appRouter;
