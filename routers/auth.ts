import { z } from "zod";
import {
  authorizeUrl,
  githubCallbackInput,
  githubLoginInput,
  logoutInput,
  redirectUriInput,
  refreshInput,
  sessionTokens,
  tokenResponse,
} from "../src/contract/auth.ts";
import { starredSlugs, user } from "../src/contract/users.ts";
import * as github from "../src/services/auth/github-login.ts";
import * as sessions from "../src/services/auth/sessions.ts";
import * as users from "../src/services/users/users.ts";
import { limitAuthAttempts } from "../src/trpc/auth-rate-limit.ts";
import type { Context } from "../src/trpc/context.ts";
import { authedProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";
import { deviceLoginProcedures } from "./auth-device.ts";

const tags = ["auth"];

/** Where the request came from, recorded on the new session. */
const clientOf = (ctx: Context) => ({ ip: ctx.ip, userAgent: ctx.headers.get("user-agent") });

export const authRouter = router({
  githubAuthorize: publicProcedure
    .meta({
      errors: [400, 503],
      openapi: {
        method: "GET",
        path: "/auth/github/authorize",
        tags,
        summary: "GitHub authorize URL (with state and PKCE) as JSON",
        description:
          "For clients that open the browser themselves. `redirect_uri` must be in the server's allow-list (400); 503 when GitHub login is not configured.",
      },
    })
    .input(redirectUriInput)
    .output(authorizeUrl)
    .query(({ ctx, input }) => github.startGithubLogin(svc(ctx), input)),

  githubCallback: publicProcedure
    .meta({
      errors: [400, 403, 503],
      openapi: {
        method: "GET",
        path: "/auth/github/callback",
        tags,
        summary: "GitHub's redirect back: trade the code for tokens",
        description: "When FRONTEND_URL is configured, the REST route answers 302 to it with the tokens in the URL fragment instead.",
      },
    })
    .input(githubCallbackInput)
    .output(tokenResponse)
    .query(({ ctx, input }) => github.completeGithubCallback(svc(ctx), { ...input, client: clientOf(ctx) })),

  githubLogin: publicProcedure
    .use(limitAuthAttempts)
    .meta({
      errors: [400, 403, 503],
      openapi: {
        method: "POST",
        path: "/auth/github",
        tags,
        summary: "Log in with a GitHub code (the web app's flow)",
        description: "The web app posts the code GitHub sent to its page. A blocked account gets 403 with the reason; GitHub unreachable gives 503.",
      },
    })
    .input(githubLoginInput)
    .output(tokenResponse)
    .mutation(({ ctx, input }) => github.loginWithGithub(svc(ctx), { ...input, client: clientOf(ctx) })),

  ...deviceLoginProcedures,

  refresh: publicProcedure
    .use(limitAuthAttempts)
    .meta({
      errors: [403],
      openapi: {
        method: "POST",
        path: "/auth/refresh",
        tags,
        summary: "Rotate a refresh token into new tokens",
        description:
          "Refresh tokens rotate: the answer carries a new one. Re-using a rotated token revokes the whole session (401); a blocked account gets 403.",
      },
    })
    .input(refreshInput)
    .output(sessionTokens)
    .mutation(({ ctx, input }) => sessions.refreshSession(svc(ctx), input.refresh_token)),

  logout: publicProcedure
    .use(limitAuthAttempts)
    .meta({
      openapi: {
        method: "POST",
        path: "/auth/logout",
        tags,
        summary: "Revoke the session of the presented token (bearer optional)",
        description: "Revokes the session of the bearer access token, or of `refresh_token` once the access token expired. Answers 204 either way.",
      },
      status: 204,
    })
    .input(logoutInput)
    .output(z.void())
    .mutation(({ ctx, input }) =>
      sessions.revokeSession(svc(ctx), {
        sessionId: ctx.actor.kind === "user" ? ctx.actor.sessionId : undefined,
        refreshToken: input.refresh_token,
      }),
    ),

  me: authedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/auth/me",
        tags,
        summary: "The caller's account",
        description: "The account behind the token, with its real email address.",
        protect: true,
      },
    })
    .input(z.void())
    .output(user)
    .query(({ ctx }) => users.getMe(svc(ctx))),

  starred: authedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/auth/me/starred",
        tags,
        summary: "Slugs of the caller's starred agents",
        description: "Slugs only, to mark stars in lists; `GET /users/{username}/starred` pages the agents themselves.",
        protect: true,
      },
    })
    .input(z.void())
    .output(starredSlugs)
    .query(({ ctx }) => users.listMyStarred(svc(ctx))),
});
