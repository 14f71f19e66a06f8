import { MarketplaceError } from "../../errors.js";
import { exchangeGithubOidcToken } from "../../github-oidc.js";
import { sleep } from "../../transport.js";
import type { CliContext } from "../context.js";
import { sessionFields } from "../context.js";
import { loadCredential, removeCredential, saveCredential } from "../credentials.js";
import type { CommandSpec } from "../framework.js";
import { UsageError } from "../framework.js";

/** login (a token, GitHub's device flow, or a GitHub Actions OIDC token), logout, whoami. */

async function loginWithToken(ctx: CliContext, token: string): Promise<number> {
  // Checked before it is stored: a mistyped token fails here, not at the first publish.
  const probe = ctx.client();
  const me = await withToken(ctx, token, () => probe.auth.me.query());
  await saveCredential(ctx.credentialsPath, ctx.url, { kind: token.startsWith("amp_") ? "api_token" : "session", access_token: token, username: me.username });
  ctx.result(`Logged in to ${ctx.url} as ${me.username} (token stored in ${ctx.credentialsPath})`, { url: ctx.url, username: me.username, kind: "token" });
  return 0;
}

/** Runs `fn` with the client sending `token` (the one being checked, not the stored one). */
async function withToken<T>(ctx: CliContext, token: string, fn: () => Promise<T>): Promise<T> {
  const original = ctx.token;
  ctx.token = () => Promise.resolve(token);
  try {
    return await fn();
  } finally {
    ctx.token = original;
  }
}

async function loginWithDevice(ctx: CliContext): Promise<number> {
  const client = ctx.client();
  const start = await client.auth.githubDevice.mutate();
  ctx.err(`To log in, open ${start.verification_uri} and enter the code: ${start.user_code}`);
  ctx.err(`Waiting for GitHub (the code expires in ${Math.round(start.expires_in / 60)} minutes)...`);
  const deadline = Date.now() + start.expires_in * 1000;
  let interval = start.interval;
  for (;;) {
    await sleep(interval * 1000);
    const answer = await client.auth.githubDeviceToken.mutate({ device_code: start.device_code });
    if (answer.status === "approved") {
      await saveCredential(ctx.credentialsPath, ctx.url, { kind: "session", ...sessionFields(answer), username: answer.user.username });
      ctx.result(`Logged in to ${ctx.url} as ${answer.user.username}`, { url: ctx.url, username: answer.user.username, kind: "session" });
      return 0;
    }
    interval = answer.interval ?? interval;
    if (Date.now() > deadline)
      throw new MarketplaceError({ status: 0, code: "timeout", detail: "The device code expired before it was approved; run login again" });
  }
}

async function loginWithOidc(ctx: CliContext, audience: string | undefined): Promise<number> {
  const requestUrl = ctx.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const requestToken = ctx.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!requestUrl || !requestToken) {
    throw new UsageError(
      "login github-oidc runs inside GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (give the job 'permissions: id-token: write')",
      ["login", "github-oidc"],
    );
  }
  const answer = await exchangeGithubOidcToken({ url: ctx.url, audience, env: ctx.env });
  await saveCredential(ctx.credentialsPath, ctx.url, { kind: "oidc", access_token: answer.token, expires_at: answer.expires_at, agents: answer.agents });
  ctx.result(`Logged in to ${ctx.url} by trusted publishing for ${answer.agents.join(", ") || "no agent"} until ${answer.expires_at}`, {
    url: ctx.url,
    kind: "oidc",
    expires_at: answer.expires_at,
    agents: answer.agents,
  });
  return 0;
}

async function logout(ctx: CliContext): Promise<number> {
  const stored = await loadCredential(ctx.credentialsPath, ctx.url);
  if (!stored) {
    ctx.result(`Not logged in to ${ctx.url}`, { url: ctx.url, logged_out: false });
    return 0;
  }
  let revoked = false;
  if (stored.kind === "session") {
    // The session ends on the server too; a personal API token stays valid until revoked there.
    const response = await fetch(`${ctx.url}/api/v1/auth/logout`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${stored.access_token}` },
      body: JSON.stringify(stored.refresh_token ? { refresh_token: stored.refresh_token } : {}),
    }).catch(() => null);
    revoked = response?.status === 204;
    if (!revoked) ctx.err("warning: the server could not be told; the session stays valid until it expires");
  }
  await removeCredential(ctx.credentialsPath, ctx.url);
  const note = stored.kind === "api_token" ? " (the API token itself is still valid: revoke it with DELETE /api/v1/auth/tokens/{id})" : "";
  ctx.result(`Logged out of ${ctx.url}${note}`, { url: ctx.url, logged_out: true, session_revoked: revoked });
  return 0;
}

async function whoami(ctx: CliContext): Promise<number> {
  const token = await ctx.token();
  if (!token) throw new MarketplaceError({ status: 401, code: "unauthorized", detail: `Not logged in to ${ctx.url}` });
  const client = ctx.client();
  const me = await client.auth.me.query();
  let scopes: string[] | null = null;
  let credential: string;
  if (token.startsWith("amp_")) {
    const tokens = await client.tokens.list.query();
    const mine = tokens.items.find((t) => token.startsWith(t.prefix));
    scopes = mine?.scopes ?? null;
    credential = mine ? `API token '${mine.name}' (${mine.prefix}...)` : "API token";
  } else {
    const stored = ctx.tokenOverride ? undefined : await loadCredential(ctx.credentialsPath, ctx.url);
    credential = stored?.kind === "oidc" ? "trusted-publishing token" : "session";
    if (credential === "session") scopes = me.role === "admin" ? ["read", "publish", "admin"] : ["read", "publish"];
  }
  ctx.result([`${me.username} (${me.role}) on ${ctx.url}`, `credential: ${credential}`, `scopes: ${scopes ? scopes.join(", ") : "unknown"}`], {
    url: ctx.url,
    username: me.username,
    id: me.id,
    role: me.role,
    credential,
    scopes,
  });
  return 0;
}

export const authCommands: CommandSpec<CliContext>[] = [
  {
    path: ["login"],
    summary: "log in: store --token T, or sign in with GitHub's device flow",
    details:
      "Without --token, shows a code to enter at GitHub and waits until it is approved. The token is stored in the credentials file (mode 0600), never printed.",
    run: (ctx, { values }) => (typeof values.token === "string" ? loginWithToken(ctx, values.token) : loginWithDevice(ctx)),
  },
  {
    path: ["login", "github"],
    summary: "log in with GitHub's device flow (a code to enter at GitHub)",
    run: (ctx) => loginWithDevice(ctx),
  },
  {
    path: ["login", "github-oidc"],
    summary: "log in from GitHub Actions by trusted publishing (OIDC ID token)",
    details: "Needs ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN (a job with 'permissions: id-token: write').",
    options: { audience: { type: "string", valueName: "AUD", description: "audience of the ID token (default: the server URL)" } },
    run: (ctx, { values }) => loginWithOidc(ctx, values.audience as string | undefined),
  },
  { path: ["logout"], summary: "forget the stored token and revoke its session", run: (ctx) => logout(ctx) },
  { path: ["whoami"], summary: "show the user and the token's scopes", run: (ctx) => whoami(ctx) },
];
