import { z } from "zod";
import { agentSlugInput } from "../src/contract/common.ts";
import {
  addTrustedPublisherInput,
  oidcExchange,
  oidcTokenInput,
  trustedPublisher,
  trustedPublisherInput,
  trustedPublisherList,
} from "../src/contract/trusted-publishing.ts";
import * as exchange from "../src/services/trusted-publishing/exchange.ts";
import * as publishers from "../src/services/trusted-publishing/publishers.ts";
import { limitAuthAttempts } from "../src/trpc/auth-rate-limit.ts";
import { authedProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["trusted-publishing"];
const manage = "The agent's author or an admin; a private agent is 404 for everyone else, another's public agent 403.";

export const trustedPublishersRouter = router({
  list: authedProcedure
    .meta({
      errors: [403],
      openapi: {
        method: "GET",
        path: "/agents/{slug}/trusted-publishers",
        tags,
        summary: "List an agent's trusted publishers",
        description: manage,
        protect: true,
      },
    })
    .input(agentSlugInput)
    .output(trustedPublisherList)
    .query(({ ctx, input }) => publishers.listTrustedPublishers(svc(ctx), input)),

  add: authedProcedure
    .meta({
      errors: [409],
      openapi: {
        method: "POST",
        path: "/agents/{slug}/trusted-publishers",
        tags,
        summary: "Register a trusted publisher (a GitHub Actions workflow)",
        description: `${manage} Jobs of this workflow (in this environment, when one is given) may then exchange their ID token at POST /auth/oidc/token for a 15-minute token that publishes new versions of this agent. 409 when it is already registered.`,
        protect: true,
      },
      status: 201,
    })
    .input(addTrustedPublisherInput)
    .output(trustedPublisher)
    .mutation(({ ctx, input }) => publishers.addTrustedPublisher(svc(ctx), input)),

  remove: authedProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/agents/{slug}/trusted-publishers/{id}",
        tags,
        summary: "Remove a trusted publisher",
        description: `${manage} Publish tokens it already obtained stay valid until they expire (at most 15 minutes).`,
        protect: true,
      },
      status: 204,
    })
    .input(trustedPublisherInput)
    .output(z.void())
    .mutation(({ ctx, input }) => publishers.removeTrustedPublisher(svc(ctx), input)),

  exchange: publicProcedure
    .use(limitAuthAttempts)
    .meta({
      errors: [403, 503],
      openapi: {
        method: "POST",
        path: "/auth/oidc/token",
        tags,
        summary: "Exchange a GitHub Actions ID token for a publish token",
        description:
          "Trusted publishing: the ID token's signature (the issuer's JWKS), `iss`, `aud` (OIDC_AUDIENCE, default PUBLIC_URL) and expiry are verified, its `repository`, `workflow_ref` and `environment` must match a trusted publisher, and each token is accepted once (`jti`). 401 for a token that does not verify, has expired or was already used; 403 when no trusted publisher matches; 503 when the issuer cannot be reached. The answer's token publishes new versions of the listed agents only, for 15 minutes.",
      },
    })
    .input(oidcTokenInput)
    .output(oidcExchange)
    .mutation(({ ctx, input }) => exchange.exchangeOidcToken(svc(ctx), input)),
});
