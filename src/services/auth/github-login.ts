import type { GithubCallbackInput, GithubLoginInput, TokenResponse } from "../../contract/auth.ts";
import type { Env } from "../../env.ts";
import { BadRequest, ServiceUnavailable } from "../../errors.ts";
import { createGitHubClient, type GitHubClient } from "../../lib/github.ts";
import type { ServiceContext } from "../context.ts";
import { toUser } from "../users/users.ts";
import { accountRefusal, askGithub, upsertGithubUser } from "./accounts.ts";
import { consumeOAuthState, createOAuthState } from "./oauth-states.ts";
import { type ClientInfo, createSession } from "./sessions.ts";

/** The GitHub login: start (authorize URL with state + PKCE), then trade the code for our session. */

export async function startGithubLogin(ctx: ServiceContext, input: { redirect_uri?: string }): Promise<{ authorize_url: string; state: string }> {
  const github = githubClient(ctx.ports.env);
  const redirectUri = allowedRedirectUri(ctx.ports.env, input.redirect_uri);
  const { state, codeVerifier } = await createOAuthState(ctx, redirectUri);
  return { authorize_url: github.authorizationUrl(state, codeVerifier, redirectUri).toString(), state };
}

/** GitHub's redirect back to us: the state is required and must be ours. */
export async function completeGithubCallback(ctx: ServiceContext, input: GithubCallbackInput & { client: ClientInfo }): Promise<TokenResponse> {
  if (input.error) {
    // Burn the state so the failed attempt cannot be resumed.
    if (input.state) await consumeOAuthState(ctx, input.state).catch(() => undefined);
    throw new BadRequest(`GitHub login failed: ${input.error_description ?? input.error}`);
  }
  if (!input.state) throw new BadRequest("Missing OAuth state; start the login again");
  if (!input.code) throw new BadRequest("Missing OAuth code");
  return loginWithGithub(ctx, { code: input.code, state: input.state, client: input.client });
}

/**
 * Trades a code for a session. With `state` (login started here) the stored PKCE verifier and
 * redirect URI go along; without it (the web app's own redirect) the code is exchanged as is.
 */
export async function loginWithGithub(ctx: ServiceContext, input: GithubLoginInput & { client: ClientInfo }): Promise<TokenResponse> {
  const github = githubClient(ctx.ports.env);
  const started = input.state === undefined ? null : await consumeOAuthState(ctx, input.state);
  const profile = await askGithub(async () => {
    const accessToken = await github.exchangeCode(input.code, started?.codeVerifier ?? null, started?.redirectUri ?? null);
    return github.fetchProfile(accessToken);
  });
  const user = await upsertGithubUser(ctx, profile);
  const refusal = accountRefusal(user);
  if (refusal) throw refusal;
  const tokens = await createSession(ctx, user.id, input.client);
  return { ...tokens, user: toUser(user, true) };
}

function githubClient(env: Env): GitHubClient {
  if (!env.GITHUB_CLIENT_ID || !env.GITHUB_CLIENT_SECRET) throw new ServiceUnavailable("GitHub login is not configured on this server");
  return createGitHubClient({
    clientId: env.GITHUB_CLIENT_ID,
    clientSecret: env.GITHUB_CLIENT_SECRET,
    webUrl: env.GITHUB_URL,
    apiUrl: env.GITHUB_API_URL,
    timeoutMs: env.GITHUB_TIMEOUT_MS,
  });
}

/** Only configured redirect URIs, so a login cannot be steered to someone else's site. */
function allowedRedirectUri(env: Env, requested: string | undefined): string | null {
  if (requested === undefined) return env.OAUTH_REDIRECT_URI ?? null;
  const allowed = [...env.OAUTH_ALLOWED_REDIRECT_URIS, ...(env.OAUTH_REDIRECT_URI ? [env.OAUTH_REDIRECT_URI] : [])];
  if (!allowed.includes(requested)) throw new BadRequest("redirect_uri is not in this server's allow-list");
  return requested;
}
