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

type Endpoint = "token" | "user" | "emails" | "device";

/** A device login in progress: waiting for the user, approved as someone, denied, or expired. */
interface DeviceLogin {
  userCode: string;
  state: { kind: "pending" } | { kind: "approved"; user: FakeGitHubUser } | { kind: "denied" } | { kind: "expired" };
}

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
  /** Seconds GitHub tells device clients to wait between polls (default 1, to keep tests quick). */
  deviceInterval: number;
  /** The user entered this user code at GitHub and approved, as `user`. */
  approveDevice(userCode: string, user: FakeGitHubUser): void;
  /** The user cancelled (access_denied), or the code ran out (expired_token). */
  endDevice(userCode: string, how: "denied" | "expired"): void;
  /** The next device poll answers slow_down. */
  slowDownNext(): void;

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
  const devices = new Map<string, DeviceLogin>();
  let slowDown = false;
  const device = (userCode: string) => {
    const found = [...devices.values()].find((d) => d.userCode === userCode);
    if (!found) throw new Error(`fake GitHub issued no user code ${userCode}`);
    return found;
  };

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

  /** RFC 8628 as GitHub answers it: status 200 with an `error` until the user approved. */
  function pollDevice(fields: Record<string, string>): Response {
    if (fields.client_id !== clientId) return Response.json({ error: "incorrect_client_credentials" });
    const login = devices.get(fields.device_code ?? "");
    if (!login) return Response.json({ error: "incorrect_device_code", error_description: "The device_code provided is not valid." });
    if (slowDown) {
      slowDown = false;
      return Response.json({ error: "slow_down", interval: api.deviceInterval + 5 });
    }
    switch (login.state.kind) {
      case "pending":
        return Response.json({ error: "authorization_pending", error_description: "The authorization request is still pending." });
      case "denied":
        return Response.json({ error: "access_denied", error_description: "The authorization request was denied." });
      case "expired":
        return Response.json({ error: "expired_token", error_description: "The device_code has expired." });
      case "approved": {
        devices.delete(fields.device_code ?? "");
        const token = `gho_${crypto.randomUUID().replaceAll("-", "")}`;
        accessTokens.set(token, login.state.user);
        return Response.json({ access_token: token, token_type: "bearer", scope: "read:user,user:email" });
      }
    }
  }

  function exchange(form: URLSearchParams, authorization: string | null): Response {
    const fields = Object.fromEntries(form);
    if (fields.grant_type === "urn:ietf:params:oauth:grant-type:device_code") return pollDevice(fields);
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
        case "POST /login/device/code":
          return answer("device", async () => {
            const fields = Object.fromEntries(new URLSearchParams(await request.text()));
            if (fields.client_id !== clientId) return Response.json({ error: "unauthorized_client" }, { status: 400 });
            const deviceCode = crypto.randomUUID().replaceAll("-", "");
            const digits = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36).toUpperCase().padStart(8, "0").slice(-8);
            const userCode = `${digits.slice(0, 4)}-${digits.slice(4)}`;
            devices.set(deviceCode, { userCode, state: { kind: "pending" } });
            return Response.json({
              device_code: deviceCode,
              user_code: userCode,
              verification_uri: `${api.url}/login/device`,
              expires_in: 900,
              interval: api.deviceInterval,
            });
          });
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
  const api: FakeGitHub = {
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
    deviceInterval: 1,
    approveDevice(userCode, user) {
      device(userCode).state = { kind: "approved", user };
    },
    endDevice(userCode, how) {
      device(userCode).state = { kind: how };
    },
    slowDownNext() {
      slowDown = true;
    },
    close: () => void server.stop(true),
  };
  return api;
}

function s256(verifier: string): string {
  return encodeBase64urlNoPadding(sha256(new TextEncoder().encode(verifier)));
}
