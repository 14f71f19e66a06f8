import { z } from "zod";
import { agentSlugInput, timestamp } from "./common.ts";
import { exampleOidcExchange, exampleTrustedPublisher } from "./lifecycle-examples.ts";
import { text } from "./text.ts";

/** Trusted publishing (issue 17): CI workflows that may publish an agent's new versions without a stored secret. */

export const trustedPublisher = z
  .object({
    id: z.number().int().nonnegative(),
    provider: z.literal("github"),
    repository: z.string().describe("owner/name, lower-cased"),
    workflow: z.string().describe("Workflow file name under .github/workflows/, lower-cased"),
    environment: z.string().nullable().describe("GitHub deployment environment the job must run in; null: any"),
    created_at: timestamp,
  })
  .meta({ id: "TrustedPublisher", examples: [exampleTrustedPublisher] });

export const trustedPublisherList = z.object({ items: z.array(trustedPublisher) });

export const addTrustedPublisherInput = agentSlugInput.extend({
  provider: z.literal("github").default("github"),
  repository: text()
    .trim()
    .max(200)
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "repository must be owner/name")
    .describe("GitHub repository, owner/name"),
  workflow: text()
    .trim()
    .max(255)
    .regex(/^[A-Za-z0-9._-]+\.ya?ml$/, "workflow must be a file name ending in .yml or .yaml, without a path")
    .describe("Workflow file name, e.g. release.yml"),
  environment: text().trim().min(1).max(255).optional().describe("Only jobs running in this GitHub environment"),
});

export const trustedPublisherInput = agentSlugInput.extend({ id: z.coerce.number().int().min(1).max(2_147_483_647) });

export const oidcTokenInput = z.object({ token: text().min(1).max(16_384).describe("The GitHub Actions ID token (a JWT)") });

export const oidcExchange = z
  .object({
    token: z.string().describe("Bearer token for POST /agents/{slug}/versions (or multipart PUT /agents/{slug}) of the listed agents only"),
    expires_at: timestamp.describe("15 minutes after issue"),
    agents: z.array(z.string()).describe("Slugs of the agents it may publish to"),
  })
  .meta({ id: "OidcExchange", examples: [exampleOidcExchange] });

export type TrustedPublisherInfo = z.infer<typeof trustedPublisher>;
export type AddTrustedPublisherInput = z.infer<typeof addTrustedPublisherInput>;
export type OidcExchange = z.infer<typeof oidcExchange>;
