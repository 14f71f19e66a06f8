import { z } from "zod";
import { text } from "./text.ts";
import { user } from "./users.ts";

export const redirectUriInput = z.object({
  redirect_uri: z.url().max(2000).optional().describe("Where GitHub sends the user back; must be in the server's allow-list"),
});

export const authorizeUrl = z.object({
  authorize_url: z.string().describe("GitHub's authorize URL with client_id, scope, state and PKCE challenge"),
  state: z.string().describe("Single-use, valid for 10 minutes; send it back with the code"),
});

/** Everything GitHub may put on the redirect; presence is checked by the service so a missing state is a 400. */
export const githubCallbackInput = z.object({
  code: text().max(512).optional(),
  state: text().max(512).optional(),
  error: text().max(200).optional(),
  error_description: text().max(1000).optional(),
});

export const githubLoginInput = z.object({
  code: text().min(1).max(512).describe("The code GitHub put on the redirect"),
  state: text().max(512).optional().describe("The state from /auth/github/authorize, when the login started there (it carries the PKCE verifier)"),
});

export const sessionTokens = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().nonnegative().describe("Seconds until the access token expires"),
  })
  .meta({ id: "SessionTokens" });

export const tokenResponse = sessionTokens.extend({ user }).meta({ id: "TokenResponse" });

export const refreshInput = z.object({ refresh_token: text().min(1).max(512) });

export const logoutInput = z.object({
  refresh_token: text().max(512).optional().describe("Also accepted instead of a bearer token, e.g. once the access token expired"),
});

export type SessionTokens = z.infer<typeof sessionTokens>;
export type TokenResponse = z.infer<typeof tokenResponse>;
export type GithubCallbackInput = z.infer<typeof githubCallbackInput>;
export type GithubLoginInput = z.infer<typeof githubLoginInput>;
