import { agentPage } from "../src/contract/agents.ts";
import { userAgentsInput, usernameInput, userPageInput } from "../src/contract/profiles.ts";
import { reviewPage } from "../src/contract/reviews.ts";
import { userProfile } from "../src/contract/users.ts";
import * as profiles from "../src/services/users/profiles.ts";
import { publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["users"];

// Mounted after the users router in _app.ts: /users/me must match before /users/{username}.
export const profilesRouter = router({
  get: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/users/{username}",
        tags,
        summary: "A user's public profile with stats",
        description: "Email and private-agent stats only for the user themself and admins.",
      },
    })
    .input(usernameInput)
    .output(userProfile)
    .query(({ ctx, input }) => profiles.getUserProfile(svc(ctx), input)),

  agents: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/users/{username}/agents",
        tags,
        summary: "A user's agents",
        description: "Public agents only, unless the viewer is the user or an admin.",
      },
    })
    .input(userAgentsInput)
    .output(agentPage)
    .query(({ ctx, input }) => profiles.listUserAgents(svc(ctx), input)),

  starred: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/users/{username}/starred",
        tags,
        summary: "Agents a user starred, newest star first",
        description: "Public agents only, unless the viewer is the user or an admin.",
      },
    })
    .input(userPageInput)
    .output(agentPage)
    .query(({ ctx, input }) => profiles.listUserStarred(svc(ctx), input)),

  reviews: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/users/{username}/reviews",
        tags,
        summary: "A user's reviews, newest first",
        description: "Reviews of agents the viewer may see.",
      },
    })
    .input(userPageInput)
    .output(reviewPage)
    .query(({ ctx, input }) => profiles.listUserReviews(svc(ctx), input)),
});
