import { CodeChallengeMethod, OAuth2Client, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "arctic";
import { z } from "zod";

/**
 * GitHub's OAuth web flow and the two API calls a login needs. arctic's `GitHub` provider
 * hard-codes github.com and sends no PKCE, so we use arctic's generic OAuth2Client, which takes
 * the endpoints per call (GitHub Enterprise Server, the tests' fake) and does S256 PKCE.
 */

const GITHUB_SCOPES = ["read:user", "user:email"];

export interface GitHubConfig {
  clientId: string;
  clientSecret: string;
  /** Web base, e.g. https://github.com (authorize and token endpoints live here). */
  webUrl: string;
  /** API base, e.g. https://api.github.com or https://ghe.example.com/api/v3. */
  apiUrl: string;
  timeoutMs: number;
}

export interface GitHubProfile {
  id: number;
  login: string;
  avatarUrl: string | null;
  /** Public email from /user, else the primary verified one from /user/emails. */
  email: string | null;
  bio: string | null;
}

/** GitHub said no (`rejected`: the caller's fault, 400) or could not answer (`unavailable`: 503). */
export class GitHubError extends Error {
  constructor(
    readonly kind: "rejected" | "unavailable",
    message: string,
  ) {
    super(message);
    this.name = "GitHubError";
  }
}

const profileSchema = z.object({
  id: z.number().int().positive(),
  login: z.string().min(1),
  avatar_url: z.string().nullish(),
  email: z.string().nullish(),
  bio: z.string().nullish(),
});

const emailsSchema = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));

export function createGitHubClient(config: GitHubConfig) {
  const web = (path: string) => joinUrl(config.webUrl, path);
  const api = (path: string) => joinUrl(config.apiUrl, path);

  return {
    authorizationUrl(state: string, codeVerifier: string, redirectUri: string | null): URL {
      const client = new OAuth2Client(config.clientId, config.clientSecret, redirectUri);
      return client.createAuthorizationURLWithPKCE(web("login/oauth/authorize"), state, CodeChallengeMethod.S256, codeVerifier, GITHUB_SCOPES);
    },

    /** Trades the code for a GitHub access token. `codeVerifier` is null when no PKCE was started. */
    async exchangeCode(code: string, codeVerifier: string | null, redirectUri: string | null): Promise<string> {
      const client = new OAuth2Client(config.clientId, config.clientSecret, redirectUri);
      let data: object;
      try {
        // arctic takes no AbortSignal, so the timeout races it; a late answer is simply dropped.
        data = (await withTimeout(client.validateAuthorizationCode(web("login/oauth/access_token"), code, codeVerifier), config.timeoutMs)).data;
      } catch (error) {
        throw tokenExchangeError(error);
      }
      // GitHub answers a refused code with status 200 and an `error` field.
      const answer = data as { error?: unknown; error_description?: unknown; access_token?: unknown };
      if (typeof answer.error === "string") throw new GitHubError("rejected", describeOAuthError(answer.error, answer.error_description));
      if (typeof answer.access_token !== "string") throw new GitHubError("rejected", "GitHub answered without an access token");
      return answer.access_token;
    },

    async fetchProfile(accessToken: string): Promise<GitHubProfile> {
      const parsed = profileSchema.safeParse(await getJson(api("user"), accessToken, config.timeoutMs));
      if (!parsed.success) throw new GitHubError("rejected", "GitHub answered with an unexpected user profile");
      const user = parsed.data;
      const email = user.email ?? (await primaryVerifiedEmail(api("user/emails"), accessToken, config.timeoutMs));
      return { id: user.id, login: user.login, avatarUrl: user.avatar_url ?? null, email, bio: user.bio ?? null };
    },
  };
}

export type GitHubClient = ReturnType<typeof createGitHubClient>;

async function primaryVerifiedEmail(url: string, accessToken: string, timeoutMs: number): Promise<string | null> {
  try {
    const parsed = emailsSchema.safeParse(await getJson(url, accessToken, timeoutMs));
    return parsed.success ? (parsed.data.find((e) => e.primary && e.verified)?.email ?? null) : null;
  } catch (error) {
    // No email is better than no login when only the email list is refused (e.g. scope not granted).
    if (error instanceof GitHubError && error.kind === "rejected") return null;
    throw error;
  }
}

async function getJson(url: string, accessToken: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Accept: "application/vnd.github+json", Authorization: `Bearer ${accessToken}`, "User-Agent": "agent-marketplace" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw unreachable(error);
  }
  const body = (await response.json().catch(() => null)) as { message?: unknown } | null;
  if (response.ok) return body;
  if (response.status >= 500) throw new GitHubError("unavailable", `GitHub answered ${response.status}`);
  const message = typeof body?.message === "string" ? body.message : `status ${response.status}`;
  throw new GitHubError("rejected", `GitHub refused the request: ${message}`);
}

function tokenExchangeError(error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  if (error instanceof OAuth2RequestError) return new GitHubError("rejected", describeOAuthError(error.code, error.description));
  if (error instanceof UnexpectedResponseError || error instanceof UnexpectedErrorResponseBodyError) {
    if (error.status >= 500) return new GitHubError("unavailable", `GitHub answered ${error.status}`);
    return new GitHubError("rejected", `GitHub refused the code exchange (status ${error.status})`);
  }
  return unreachable(error);
}

function unreachable(error: unknown): GitHubError {
  const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.message === "timeout");
  return new GitHubError("unavailable", timedOut ? "GitHub did not answer in time" : "GitHub could not be reached");
}

function describeOAuthError(code: string, description: unknown): string {
  return typeof description === "string" && description !== "" ? `${description} (${code})` : `GitHub refused the login (${code})`;
}

function joinUrl(base: string, path: string): string {
  return new URL(path, base.endsWith("/") ? base : `${base}/`).toString();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timeout"), { name: "TimeoutError" })), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
