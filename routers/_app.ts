import { router } from "../src/trpc/init.ts";
import { categoriesRouter } from "./categories.ts";

export const appRouter = router({
  categories: categoriesRouter,
});

export type AppRouter = typeof appRouter;
