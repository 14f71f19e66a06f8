import { z } from "zod";
import { apiTokenIdInput, apiTokenList, createApiTokenInput, createdApiToken } from "../src/contract/tokens.ts";
import * as tokens from "../src/services/auth/api-tokens.ts";
import { limitAuthAttempts } from "../src/trpc/auth-rate-limit.ts";
import { authedProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["auth"];

/** Personal API tokens (`/auth/tokens`): what the SDK and scripts send as `Authorization: Bearer`. */
export const tokensRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/auth/tokens",
        tags,
        summary: "The caller's API tokens (without secrets)",
        description: "Name, scopes, prefix, last use and expiry of each personal API token; never the secret.",
        protect: true,
      },
    })
    .input(z.void())
    .output(apiTokenList)
    .query(({ ctx }) => tokens.listApiTokens(svc(ctx))),

  create: authedProcedure
    .use(limitAuthAttempts)
    .meta({
      openapi: {
        method: "POST",
        path: "/auth/tokens",
        tags,
        summary: "Create an API token; its secret is shown once",
        description:
          "Scopes: read (look only), publish (change your agents, reviews and stars), admin (admins only, 403 otherwise). The secret is in `token` of this answer and nowhere else.",
        protect: true,
      },
      status: 201,
    })
    .input(createApiTokenInput)
    .output(createdApiToken)
    .mutation(({ ctx, input }) => tokens.createApiToken(svc(ctx), input)),

  delete: authedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/auth/tokens/{id}",
        tags,
        summary: "Revoke an API token",
        description: "It stops working at once; 404 for a token that is not yours.",
        protect: true,
      },
      status: 204,
    })
    .input(apiTokenIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => tokens.revokeApiToken(svc(ctx), input)),
});
