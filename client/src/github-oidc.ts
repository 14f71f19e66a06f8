import { errorFromResponse, MarketplaceError } from "./errors.js";
import type { RouterOutputs } from "./types.js";

/** What POST /api/v1/auth/oidc/token answers: a 15-minute token that publishes new versions of `agents` only. */
export type OidcPublishToken = RouterOutputs["trustedPublishers"]["exchange"];

export interface GithubOidcOptions {
  /** The marketplace's base URL, e.g. https://api.example.com. */
  url: string;
  /** The `aud` to ask GitHub for; it must equal the server's OIDC_AUDIENCE (default: its public URL, which is `url` here). */
  audience?: string;
  /** Where ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are read (default: process.env). */
  env?: Record<string, string | undefined>;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  signal?: AbortSignal;
}

/**
 * Trusted publishing from GitHub Actions: asks the runner for an ID token (the job needs
 * `permissions: id-token: write`) and exchanges it for a short-lived publish token. Give the
 * answer's `token` to `createMarketplaceClient({ token })` and publish a new version with it.
 */
export async function exchangeGithubOidcToken(options: GithubOidcOptions): Promise<OidcPublishToken> {
  const env = options.env ?? (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new MarketplaceError({
      status: 0,
      code: "invalid_response",
      detail: "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: run this inside GitHub Actions with `permissions: id-token: write`",
    });
  }
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, "");
  const idTokenUrl = new URL(requestUrl);
  idTokenUrl.searchParams.set("audience", options.audience ?? base);
  const signal = options.signal ? { signal: options.signal } : {};

  const idResponse = await call(() =>
    doFetch(idTokenUrl.href, { headers: { authorization: `Bearer ${requestToken}`, accept: "application/json" }, ...signal }),
  );
  if (!idResponse.ok) {
    throw new MarketplaceError({ status: idResponse.status, code: "invalid_response", detail: `GitHub's ID token endpoint answered ${idResponse.status}` });
  }
  const value = ((await idResponse.json().catch(() => null)) as { value?: unknown } | null)?.value;
  if (typeof value !== "string" || value === "") {
    throw new MarketplaceError({ status: idResponse.status, code: "invalid_response", detail: "GitHub's ID token endpoint answered without a token" });
  }

  const exchanged = await call(() =>
    doFetch(`${base}/api/v1/auth/oidc/token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ token: value }),
      ...signal,
    }),
  );
  if (!exchanged.ok) throw await errorFromResponse(exchanged);
  return (await exchanged.json()) as OidcPublishToken;
}

async function call(request: () => Promise<Response>): Promise<Response> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof Error && error.name === "AbortError") throw error;
    throw new MarketplaceError({ status: 0, code: "network_error", detail: error instanceof Error ? error.message : String(error), cause: error });
  }
}
