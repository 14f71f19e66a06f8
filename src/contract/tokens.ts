import { z } from "zod";
import { timestamp } from "./common.ts";
import { text } from "./text.ts";

const API_TOKEN_SCOPES = ["read", "publish", "admin"] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

const tokenScope = z.enum(API_TOKEN_SCOPES).describe("read: look only; publish: change the owner's agents, reviews, stars; admin: admins only");

const apiToken = z
  .object({
    id: z.number().int().nonnegative(),
    name: z.string(),
    scopes: z.array(tokenScope),
    prefix: z.string().describe("The token's first characters, to tell tokens apart"),
    created_at: timestamp,
    last_used_at: timestamp.nullable().describe("Updated at most once a minute"),
    expires_at: timestamp.nullable(),
  })
  .meta({ id: "ApiToken" });

export const apiTokenList = z.object({ items: z.array(apiToken) });

export const createApiTokenInput = z.object({
  name: text().trim().min(1).max(100),
  scopes: z.array(tokenScope).min(1).max(API_TOKEN_SCOPES.length),
  expires_in_days: z.number().int().min(1).max(3650).nullish().describe("Omit for a token that does not expire"),
});

export const createdApiToken = z
  .object({
    id: z.number().int().nonnegative(),
    token: z.string().describe("The secret; shown only in this answer"),
    name: z.string(),
    scopes: z.array(tokenScope),
    prefix: z.string(),
    expires_at: timestamp.nullable(),
  })
  .meta({ id: "NewApiToken" });

export const apiTokenIdInput = z.object({ id: z.coerce.number().int().positive().describe("Token id") });

export type ApiTokenInfo = z.infer<typeof apiToken>;
export type CreateApiTokenInput = z.infer<typeof createApiTokenInput>;
export type CreatedApiToken = z.infer<typeof createdApiToken>;
