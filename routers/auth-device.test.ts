import { afterAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { sessions, users } from "../db/schema/index.ts";
import { bearer } from "../src/testing/auth.ts";
import { makeUser } from "../src/testing/factories.ts";
import { fakeGitHubUser, startFakeGitHub } from "../src/testing/fake-github.ts";
import { jsonInit, TEST_MODES, type TestApp, useTestApp } from "../src/testing/harness.ts";

const github = startFakeGitHub();
afterAll(() => github.close());

interface Start {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

async function start(t: TestApp): Promise<Start> {
  const res = await t.fetch("/api/v1/auth/github/device", { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as Start;
}

const poll = (t: TestApp, device_code: string) => t.fetch("/api/v1/auth/github/device/token", jsonInit("POST", { device_code }, { "user-agent": "cli-test" }));

for (const mode of TEST_MODES) {
  describe(`GitHub device login [${mode}]`, () => {
    const t = useTestApp(mode, { ...github.env, GITHUB_TIMEOUT_MS: "1000", ADMIN_GITHUB_LOGINS: "device-boss" });

    test("start answers GitHub's user code and URI; polls are pending until approved, then a session like the web login's", async () => {
      const begun = await start(t);
      expect(begun).toMatchObject({ verification_uri: `${github.url}/login/device`, expires_in: 900, interval: 1 });
      expect(begun.user_code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      const pending = await poll(t, begun.device_code);
      expect(pending.status).toBe(200);
      expect(await pending.json()).toEqual({ status: "pending" });

      github.slowDownNext();
      expect(await (await poll(t, begun.device_code)).json()).toEqual({ status: "pending", interval: 6 });

      const person = fakeGitHubUser();
      github.approveDevice(begun.user_code, person);
      const approved = await poll(t, begun.device_code);
      expect(approved.status).toBe(200);
      const body = (await approved.json()) as { status: string; access_token: string; refresh_token: string; expires_in: number; user: { username: string } };
      expect(body).toMatchObject({ status: "approved", token_type: "bearer", user: { username: person.login, role: "user" } });
      const me = await t.fetch("/api/v1/auth/me", { headers: bearer(body.access_token) });
      expect(await me.json()).toMatchObject({ username: person.login, github_id: person.id });
      const [row] = await t.rt.db.db.select().from(users).where(eq(users.githubId, person.id));
      const [session] = await t.rt.db.db.select().from(sessions).where(eq(sessions.userId, row!.id));
      expect(session?.userAgent).toBe("cli-test");

      // The device code is spent.
      const again = await poll(t, begun.device_code);
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ error: "bad_request", detail: "The device_code provided is not valid. (incorrect_device_code)" });
    });

    test("ADMIN_GITHUB_LOGINS promotes and an account made ahead (no GitHub id) is claimed, as with the web login", async () => {
      const boss = fakeGitHubUser({ login: "device-boss" });
      const begun = await start(t);
      github.approveDevice(begun.user_code, boss);
      expect(await (await poll(t, begun.device_code)).json()).toMatchObject({ status: "approved", user: { username: "device-boss", role: "admin" } });

      const ahead = await makeUser(t.rt.db.db, { username: `ahead-${Date.now().toString(36)}`, githubId: null });
      const owner = fakeGitHubUser({ login: ahead.username });
      const second = await start(t);
      github.approveDevice(second.user_code, owner);
      expect(await (await poll(t, second.device_code)).json()).toMatchObject({ status: "approved", user: { id: ahead.id, github_id: owner.id } });
    });

    test("denied and expired codes are 400 with GitHub's reason; a blocked account is 403; bad input is 422", async () => {
      const denied = await start(t);
      github.endDevice(denied.user_code, "denied");
      const refused = await poll(t, denied.device_code);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: "bad_request", detail: "The login was cancelled at GitHub" });

      const expired = await start(t);
      github.endDevice(expired.user_code, "expired");
      expect(await (await poll(t, expired.device_code)).json()).toEqual({ error: "bad_request", detail: "The device code expired; start the login again" });

      const person = fakeGitHubUser();
      const blocked = await makeUser(t.rt.db.db, { username: person.login, githubId: person.id, isBlocked: true, blockedReason: "spam spam spam" });
      const begun = await start(t);
      github.approveDevice(begun.user_code, person);
      const forbidden = await poll(t, begun.device_code);
      expect(forbidden.status).toBe(403);
      expect(await forbidden.json()).toMatchObject({ error: "forbidden", detail: { blocked: true, reason: "spam spam spam" } });
      expect(blocked.id).toBeGreaterThan(0);

      const missing = await t.fetch("/api/v1/auth/github/device/token", jsonInit("POST", {}));
      expect(missing.status).toBe(422);
      expect(await missing.json()).toMatchObject({ error: "validation_error", detail: [{ loc: ["body", "device_code"] }] });
    });

    test("GitHub down or slow is 503 on both routes", async () => {
      github.failNext("device", 502, { message: "bad gateway" });
      const start503 = await t.fetch("/api/v1/auth/github/device", { method: "POST" });
      expect(start503.status).toBe(503);
      expect(await start503.json()).toMatchObject({ error: "service_unavailable", detail: "GitHub answered 502" });

      const begun = await start(t);
      github.slowNext("token", 1500);
      const slow = await poll(t, begun.device_code);
      expect(slow.status).toBe(503);
      expect(await slow.json()).toMatchObject({ error: "service_unavailable", detail: "GitHub did not answer in time" });
    });
  });
}

describe("GitHub device login without an OAuth app", () => {
  const t = useTestApp("embedded");

  test("both routes answer 503 when GitHub login is not configured", async () => {
    const res = await t.fetch("/api/v1/auth/github/device", { method: "POST" });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: "service_unavailable", detail: "GitHub login is not configured on this server" });
    expect((await poll(t, "whatever")).status).toBe(503);
  });
});
