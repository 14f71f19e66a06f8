import { z } from "zod";
import { userProfile } from "../src/contract/users.ts";
import * as users from "../src/services/users/users.ts";
import { authedProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["users"];

// Static paths such as /users/me must stay ahead of any /users/{username}: REST matching takes the first fit.
export const usersRouter = router({
  me: authedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/users/me",
        tags,
        summary: "The caller's profile with stats",
        description: "Your account with stats that count your private agents too.",
        protect: true,
      },
    })
    .input(z.void())
    .output(userProfile)
    .query(({ ctx }) => users.getMyProfile(svc(ctx))),
});
