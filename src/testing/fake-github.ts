import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";

/**
 * A small stand-in for GitHub's OAuth web flow and REST API on 127.0.0.1 (a free port): the
 * authorize redirect, the code exchange (with PKCE and client secret checks), /user and
 * /user/emails. The API lives under /api/v3 like GitHub Enterprise Server, so the configured
 * GITHUB_API_URL path is exercised. Tests inject error answers and slow answers.
 */

export interface FakeGitHubUser {
  id: number;
  login: string;
  avatar_url?: string | null;
  /** The public email /user shows; null makes the server look in /user/emails. */
  email?: string | null;
  bio?: string | null;
  emails?: { email: string; primary: boolean; verified: boolean }[];
}

type Endpoint = "token" | "user" | "emails";

interface IssuedCode {
  user: FakeGitHubUser;
  codeChallenge: string | null;
  redirectUri: string | null;
}

export interface FakeGitHub {
  url: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Env settings pointing the server at this fake. */
  env: Record<string, string>;
  /** Follows an authorize URL like a signed-in browser; answers what GitHub puts on the redirect. */
  authorize(authorizeUrl: string, user: FakeGitHubUser): Promise<{ code: string; state: string; location: URL }>;
  /** A code as GitHub would hand it to the web app's own redirect (no PKCE started by us). */
  issueCode(user: FakeGitHubUser): string;
  /** The next answer of that endpoint is this one. */
  failNext(endpoint: Endpoint, status: number, body: unknown): void;
  /** The next answer of that endpoint comes after `ms`. */
  slowNext(endpoint: Endpoint, ms: number): void;
  /** Form fields of every code exchange, for assertions (e.g. the PKCE verifier). */
  exchanges: Record<string, string>[];
  close(): void;
}

let nextUserId = 5_000_000;

/** A GitHub user with a fresh id and login. */
export function fakeGitHubUser(overrides: Partial<FakeGitHubUser> = {}): FakeGitHubUser {
  const id = ++nextUserId + Math.floor(Math.random() * 1_000_000) * 100;
  return { id, login: `octo-${id.toString(36)}`, avatar_url: `https://avatars.example/${id}`, email: `octo${id}@example.com`, bio: null, ...overrides };
}

export function startFakeGitHub(): FakeGitHub {
  const clientId = "fake-client-id";
  const clientSecret = "fake-client-secret";
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, FakeGitHubUser>();
  const failures = new Map<Endpoint, { status: number; body: unknown }>();
  const delays = new Map<Endpoint, number>();
  const exchanges: Record<string, string>[] = [];
  let signedIn: FakeGitHubUser | null = null;

  const issue = (code: IssuedCode) => {
    const value = `code-${crypto.randomUUID()}`;
    codes.set(value, code);
    return value;
  };

  async function answer(endpoint: Endpoint, ok: () => Response | Promise<Response>): Promise<Response> {
    const delay = delays.get(endpoint);
    delays.delete(endpoint);
    if (delay) await Bun.sleep(delay);
    const failure = failures.get(endpoint);
    failures.delete(endpoint);
    if (failure) return Response.json(failure.body, { status: failure.status });
    return ok();
  }

  function exchange(form: URLSearchParams, authorization: string | null): Response {
    const fields = Object.fromEntries(form);
    exchanges.push(fields);
    if (authorization !== `Basic ${btoa(`${clientId}:${clientSecret}`)}`) {
      return Response.json({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
    }
    const issued = codes.get(fields.code ?? "");
    codes.delete(fields.code ?? "");
    const refused = Response.json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
    if (!issued) return refused;
    if (issued.codeChallenge !== null && s256(fields.code_verifier ?? "") !== issued.codeChallenge) return refused;
    if (fields.redirect_uri !== undefined && fields.redirect_uri !== issued.redirectUri) {
      return Response.json({
        error: "redirect_uri_mismatch",
        error_description: "The redirect_uri MUST match the registered callback URL for this application.",
      });
    }
    const token = `gho_${crypto.randomUUID().replaceAll("-", "")}`;
    accessTokens.set(token, issued.user);
    return Response.json({ access_token: token, token_type: "bearer", scope: "read:user,user:email" });
  }

  function apiUser(request: Request): FakeGitHubUser | null {
    const token = /^(?:Bearer|token) (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    return token ? (accessTokens.get(token) ?? null) : null;
  }

  const badCredentials = () => Response.json({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest" }, { status: 401 });

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      switch (`${request.method} ${url.pathname}`) {
        case "GET /login/oauth/authorize": {
          if (!signedIn || url.searchParams.get("client_id") !== clientId) return new Response("unknown application", { status: 404 });
          const redirectUri = url.searchParams.get("redirect_uri");
          const challenge = url.searchParams.get("code_challenge");
          if (challenge && url.searchParams.get("code_challenge_method") !== "S256") return new Response("unsupported challenge", { status: 400 });
          const code = issue({ user: signedIn, codeChallenge: challenge, redirectUri });
          const target = new URL(redirectUri ?? "http://callback.invalid/");
          target.searchParams.set("code", code);
          target.searchParams.set("state", url.searchParams.get("state") ?? "");
          return new Response(null, { status: 302, headers: { Location: target.toString() } });
        }
        case "POST /login/oauth/access_token":
          return answer("token", async () => exchange(new URLSearchParams(await request.text()), request.headers.get("authorization")));
        case "GET /api/v3/user":
          return answer("user", () => {
            const user = apiUser(request);
            if (!user) return badCredentials();
            return Response.json({
              id: user.id,
              login: user.login,
              avatar_url: user.avatar_url ?? null,
              email: user.email ?? null,
              bio: user.bio ?? null,
              type: "User",
            });
          });
        case "GET /api/v3/user/emails":
          return answer("emails", () => {
            const user = apiUser(request);
            return user ? Response.json(user.emails ?? []) : badCredentials();
          });
        default:
          return Response.json({ message: "Not Found" }, { status: 404 });
      }
    },
  });

  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    apiUrl: `${url}/api/v3`,
    clientId,
    clientSecret,
    env: { GITHUB_CLIENT_ID: clientId, GITHUB_CLIENT_SECRET: clientSecret, GITHUB_URL: url, GITHUB_API_URL: `${url}/api/v3` },
    async authorize(authorizeUrl, user) {
      signedIn = user;
      const response = await fetch(authorizeUrl, { redirect: "manual" });
      const location = response.headers.get("location");
      if (response.status !== 302 || !location) throw new Error(`fake GitHub refused the authorize URL: ${response.status} ${await response.text()}`);
      const target = new URL(location);
      return { code: target.searchParams.get("code") ?? "", state: target.searchParams.get("state") ?? "", location: target };
    },
    issueCode: (user) => issue({ user, codeChallenge: null, redirectUri: null }),
    failNext: (endpoint, status, body) => void failures.set(endpoint, { status, body }),
    slowNext: (endpoint, ms) => void delays.set(endpoint, ms),
    exchanges,
    close: () => void server.stop(true),
  };
}

function s256(verifier: string): string {
  return encodeBase64urlNoPadding(sha256(new TextEncoder().encode(verifier)));
}
