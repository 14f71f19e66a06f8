import { afterAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { oauthStates, users } from "../db/schema/index.ts";
import { systemContextOf } from "../src/runtime.ts";
import { startGithubLogin } from "../src/services/auth/github-login.ts";
import { bearer } from "../src/testing/auth.ts";
import { makeUser } from "../src/testing/factories.ts";
import { type FakeGitHubUser, fakeGitHubUser, startFakeGitHub } from "../src/testing/fake-github.ts";
import { jsonInit, TEST_MODES, type TestApp, useTestApp } from "../src/testing/harness.ts";

const github = startFakeGitHub();
afterAll(() => github.close());

const CALLBACK = "http://localhost:3000/auth/callback";
const baseEnv = { ...github.env, GITHUB_TIMEOUT_MS: "1000", OAUTH_REDIRECT_URI: CALLBACK, OAUTH_ALLOWED_REDIRECT_URIS: "http://127.0.0.1:5173/cb" };

interface TokenBody {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  user: { id: number; github_id: number; username: string; email: string | null; role: string; avatar_url: string | null; created_at: string };
}

async function start(t: TestApp, query = ""): Promise<{ authorize_url: string; state: string }> {
  const res = await t.fetch(`/api/v1/auth/github/authorize${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { authorize_url: string; state: string };
}

/** The whole browser round trip: our authorize URL, GitHub's redirect, our callback. */
async function loginViaCallback(t: TestApp, user: FakeGitHubUser): Promise<Response> {
  const { authorize_url } = await start(t);
  const { code, state } = await github.authorize(authorize_url, user);
  return t.fetch(`/api/v1/auth/github/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
}

for (const mode of TEST_MODES) {
  describe(`GitHub login [${mode}]`, () => {
    const t = useTestApp(mode, { ...baseEnv, ADMIN_GITHUB_LOGINS: "First-Admin, other, legacy-boss" });

    test("the authorize URL carries client_id, scope, state and an S256 PKCE challenge; the state is kept 10 minutes", async () => {
      const { authorize_url, state } = await start(t);
      const url = new URL(authorize_url);
      expect(url.origin + url.pathname).toBe(`${github.url}/login/oauth/authorize`);
      expect(url.searchParams.get("client_id")).toBe(github.clientId);
      expect(url.searchParams.get("scope")).toBe("read:user user:email");
      expect(url.searchParams.get("state")).toBe(state);
      expect(url.searchParams.get("code_challenge_method")).toBe("S256");
      expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get("redirect_uri")).toBe(CALLBACK);
      const [row] = await t.rt.db.db.select().from(oauthStates).where(eq(oauthStates.state, state));
      const ttl = (row?.expiresAt.getTime() ?? 0) - Date.now();
      expect(ttl).toBeGreaterThan(9 * 60_000);
      expect(ttl).toBeLessThanOrEqual(10 * 60_000);
    });

    test("GET /auth/github answers 302 to GitHub; a redirect_uri outside the allow-list is 400", async () => {
      const res = await t.fetch("/api/v1/auth/github?redirect_uri=http%3A%2F%2F127.0.0.1%3A5173%2Fcb");
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(location.origin).toBe(github.url);
      expect(location.searchParams.get("redirect_uri")).toBe("http://127.0.0.1:5173/cb");

      const evil = await t.fetch("/api/v1/auth/github?redirect_uri=https%3A%2F%2Fevil.example%2F");
      expect(evil.status).toBe(400);
      expect(((await evil.json()) as { error: string }).error).toBe("bad_request");
      const viaJson = await t.fetch("/api/v1/auth/github/authorize?redirect_uri=https%3A%2F%2Fevil.example%2F");
      expect(viaJson.status).toBe(400);
    });

    test("full login through the callback: TokenResponse, the access token works, PKCE verifier and redirect_uri reach GitHub", async () => {
      const person = fakeGitHubUser({ bio: "Builds agents" });
      const res = await loginViaCallback(t, person);
      expect(res.status).toBe(200);
      const body = (await res.json()) as TokenBody;
      expect(body.token_type).toBe("bearer");
      expect(body.expires_in).toBe(1800);
      expect(body.access_token).not.toBe(body.refresh_token);
      expect(body.user).toMatchObject({ github_id: person.id, username: person.login, email: person.email, role: "user" });
      expect(body.user.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const exchange = github.exchanges.at(-1);
      expect(exchange?.code_verifier).toMatch(/^[\w-]{43}$/);
      expect(exchange?.redirect_uri).toBe(CALLBACK);

      const me = await t.fetch("/api/v1/auth/me", { headers: bearer(body.access_token) });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ id: body.user.id, username: person.login, bio: "Builds agents" });
    });

    test("POST /auth/github with code and state (PKCE), and with a bare code (the web app's own redirect)", async () => {
      const person = fakeGitHubUser();
      const { authorize_url } = await start(t);
      const { code, state } = await github.authorize(authorize_url, person);
      const withState = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code, state }));
      expect(withState.status).toBe(200);
      const first = (await withState.json()) as TokenBody;

      const bare = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }));
      expect(bare.status).toBe(200);
      const second = (await bare.json()) as TokenBody;
      expect(second.user.id).toBe(first.user.id);
      expect(github.exchanges.at(-1)?.code_verifier).toBeUndefined();
    });

    test("state missing, wrong, expired or re-used is 400", async () => {
      const person = fakeGitHubUser();
      const { authorize_url } = await start(t);
      const { code, state } = await github.authorize(authorize_url, person);

      const missing = await t.fetch(`/api/v1/auth/github/callback?code=${code}`);
      expect(missing.status).toBe(400);
      expect(await missing.json()).toEqual({ error: "bad_request", detail: "Missing OAuth state; start the login again" });
      const wrong = await t.fetch(`/api/v1/auth/github/callback?code=${code}&state=not-a-state`);
      expect(wrong.status).toBe(400);
      const wrongPost = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code, state: "not-a-state" }));
      expect(wrongPost.status).toBe(400);

      const ok = await t.fetch(`/api/v1/auth/github/callback?code=${code}&state=${state}`);
      expect(ok.status).toBe(200);
      const reused = await t.fetch(`/api/v1/auth/github/callback?code=${code}&state=${state}`);
      expect(reused.status).toBe(400);
      expect(((await reused.json()) as { detail: string }).detail).toContain("Invalid or expired OAuth state");

      const later = await start(t);
      await t.rt.db.db
        .update(oauthStates)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(oauthStates.state, later.state));
      const authorized = await github.authorize(later.authorize_url, person);
      const expired = await t.fetch(`/api/v1/auth/github/callback?code=${authorized.code}&state=${later.state}`);
      expect(expired.status).toBe(400);
    });

    test("GitHub's own refusals are 400 with a readable detail", async () => {
      const person = fakeGitHubUser();
      const badCode = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: "no-such-code" }));
      expect(badCode.status).toBe(400);
      expect(await badCode.json()).toEqual({ error: "bad_request", detail: "The code passed is incorrect or expired. (bad_verification_code)" });

      const denied = await t.fetch("/api/v1/auth/github/callback?error=access_denied&error_description=The+user+has+denied+your+application+access.&state=x");
      expect(denied.status).toBe(400);
      expect(((await denied.json()) as { detail: string }).detail).toBe("GitHub login failed: The user has denied your application access.");

      github.failNext("user", 401, { message: "Bad credentials" });
      const badToken = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }));
      expect(badToken.status).toBe(400);
      expect(((await badToken.json()) as { detail: string }).detail).toBe("GitHub refused the request: Bad credentials");

      github.failNext("token", 401, { error: "invalid_client" });
      expect((await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }))).status).toBe(400);
    });

    test("GitHub failing or too slow is 503, never 500", async () => {
      const person = fakeGitHubUser();
      github.failNext("user", 502, { message: "Bad gateway" });
      const broken = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }));
      expect(broken.status).toBe(503);
      expect(((await broken.json()) as { error: string }).error).toBe("service_unavailable");

      github.slowNext("token", 1500);
      const slowToken = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }));
      expect(slowToken.status).toBe(503);
      expect(((await slowToken.json()) as { detail: string }).detail).toBe("GitHub did not answer in time");

      github.slowNext("user", 1500);
      const slowUser = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }));
      expect(slowUser.status).toBe(503);
    });

    test("username, avatar and email follow GitHub on every login; the primary verified email is used when /user has none", async () => {
      const person = fakeGitHubUser({
        email: null,
        emails: [
          { email: "old@example.com", primary: false, verified: true },
          { email: "unverified@example.com", primary: true, verified: false },
        ],
      });
      const first = (await (await loginViaCallback(t, person)).json()) as TokenBody;
      expect(first.user.email).toBeNull();

      person.emails = [{ email: "main@example.com", primary: true, verified: true }];
      const renamed = { ...person, login: `${person.login}-renamed`, avatar_url: "https://avatars.example/new" };
      const second = (await (await loginViaCallback(t, renamed)).json()) as TokenBody;
      expect(second.user).toMatchObject({ id: first.user.id, username: renamed.login, avatar_url: "https://avatars.example/new", email: "main@example.com" });
    });

    test("a login taken over by another GitHub account moves the old holder aside instead of failing", async () => {
      const holder = await makeUser(t.rt.db.db, { githubId: 7_000_000_001, username: `taken-${Date.now()}` });
      const newcomer = fakeGitHubUser({ login: holder.username.toUpperCase() });
      const res = await loginViaCallback(t, newcomer);
      expect(res.status).toBe(200);
      const [old] = await t.rt.db.db.select().from(users).where(eq(users.id, holder.id));
      expect(old?.username).toBe(`${holder.username}-${holder.githubId}`);
    });

    test("ADMIN_GITHUB_LOGINS promotes at login, case-insensitively; others stay users", async () => {
      const boss = fakeGitHubUser({ login: "first-admin" });
      const body = (await (await loginViaCallback(t, boss)).json()) as TokenBody;
      expect(body.user.role).toBe("admin");
      const users = await t.fetch("/api/v1/admin/users", { headers: bearer(body.access_token) });
      expect(users.status).toBe(200);
    });

    test("a configured admin login promotes only the GitHub account it was first promoted as", async () => {
      const boss = fakeGitHubUser({ login: "other" });
      const first = (await (await loginViaCallback(t, boss)).json()) as TokenBody;
      expect(first.user.role).toBe("admin");
      // The admin renames their GitHub login; someone registers the freed one and logs in here.
      const renamed = (await (await loginViaCallback(t, { ...boss, login: "other-renamed" })).json()) as TokenBody;
      expect(renamed.user.role).toBe("admin");
      const squatter = fakeGitHubUser({ login: "other" });
      const body = (await (await loginViaCallback(t, squatter)).json()) as TokenBody;
      expect(body.user).toMatchObject({ username: "other", github_id: squatter.id, role: "user" });
      expect((await t.fetch("/api/v1/admin/users", { headers: bearer(body.access_token) })).status).toBe(403);
    });

    test("an admin promoted before ids were recorded keeps the login: a newcomer with it is not promoted", async () => {
      const legacy = await makeUser(t.rt.db.db, { username: "Legacy-Boss", role: "admin" });
      const squatter = fakeGitHubUser({ login: "legacy-boss" });
      const body = (await (await loginViaCallback(t, squatter)).json()) as TokenBody;
      expect(body.user.role).toBe("user");
      const [kept] = await t.rt.db.db.select().from(users).where(eq(users.id, legacy.id));
      expect(kept!.role).toBe("admin");
    });

    test("two simultaneous first logins of one GitHub user create one account and no 500", async () => {
      const person = fakeGitHubUser();
      const attempts = await Promise.all(Array.from({ length: 4 }, () => t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }))));
      expect(attempts.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const ids = await Promise.all(attempts.map(async (r) => ((await r.json()) as TokenBody).user.id));
      expect(new Set(ids).size).toBe(1);
      const [{ n } = { n: 0 }] = await t.rt.db.db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.githubId, person.id));
      expect(n).toBe(1);
    });

    test("a blocked user is refused at login with the blocked body", async () => {
      const person = fakeGitHubUser();
      await makeUser(t.rt.db.db, { githubId: person.id, username: person.login, isBlocked: true, blockedReason: "Spam uploads" });
      const res = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: github.issueCode(person) }));
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "forbidden", detail: { blocked: true, message: "Your account has been blocked", reason: "Spam uploads" } });
    });

    test("without GitHub credentials in config the login is 503", async () => {
      const ctx = systemContextOf(t.rt);
      const unconfigured = { ...ctx, ports: { ...ctx.ports, env: { ...ctx.ports.env, GITHUB_CLIENT_ID: undefined } } };
      await expect(startGithubLogin(unconfigured, {})).rejects.toMatchObject({ code: "service_unavailable" });
    });
  });

  describe(`GitHub login with a front end [${mode}]`, () => {
    const t = useTestApp(mode, { ...baseEnv, FRONTEND_URL: "http://localhost:3000/login/done" });

    test("the callback answers 302 to FRONTEND_URL with the tokens in the fragment", async () => {
      const res = await loginViaCallback(t, fakeGitHubUser());
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(location.origin + location.pathname).toBe("http://localhost:3000/login/done");
      expect(location.search).toBe("");
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get("token_type")).toBe("bearer");
      expect(fragment.get("expires_in")).toBe("1800");
      const me = await t.fetch("/api/v1/auth/me", { headers: bearer(fragment.get("access_token") ?? "") });
      expect(me.status).toBe(200);
      const bad = await t.fetch("/api/v1/auth/github/callback?code=x");
      expect(bad.status).toBe(400);
    });
  });

  describe(`GitHub unreachable [${mode}]`, () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const deadUrl = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const t = useTestApp(mode, { ...baseEnv, GITHUB_URL: deadUrl, GITHUB_API_URL: deadUrl });

    test("a login while GitHub cannot be reached is 503", async () => {
      const res = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: "whatever" }));
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: "service_unavailable", detail: "GitHub could not be reached" });
    });
  });
}
