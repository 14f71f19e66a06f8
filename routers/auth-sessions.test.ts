import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { oauthStates, sessions, stars, users } from "../db/schema/index.ts";
import { systemContextOf } from "../src/runtime.ts";
import { purgeExpiredAuthState } from "../src/services/auth/purge.ts";
import { hashSecret } from "../src/services/auth/secrets.ts";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { makeAgent, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

for (const mode of TEST_MODES) {
  describe(`sessions [${mode}]`, () => {
    const t = useTestApp(mode);
    const refresh = (token: string) => t.fetch("/api/v1/auth/refresh", jsonInit("POST", { refresh_token: token }));
    const me = (token: string) => t.fetch("/api/v1/auth/me", { headers: bearer(token) });

    test("only SHA-256 hashes of the tokens are stored", async () => {
      const user = await makeUser(t.rt.db.db);
      const tokens = await sessionFor(t.rt, user);
      const [row] = await t.rt.db.db.select().from(sessions).where(eq(sessions.userId, user.id));
      expect(row?.accessTokenHash).toBe(hashSecret(tokens.access_token));
      expect(row?.refreshTokenHash).toBe(hashSecret(tokens.refresh_token));
      expect(JSON.stringify(row)).not.toContain(tokens.access_token);
    });

    test("refresh rotates both tokens; the old access token stops working", async () => {
      const user = await makeUser(t.rt.db.db);
      const first = await sessionFor(t.rt, user);
      const res = await refresh(first.refresh_token);
      expect(res.status).toBe(200);
      const second = (await res.json()) as Tokens;
      expect(second).toMatchObject({ token_type: "bearer", expires_in: 1800 });
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect((await me(second.access_token)).status).toBe(200);
      expect((await me(first.access_token)).status).toBe(401);
      const third = await refresh(second.refresh_token);
      expect(third.status).toBe(200);
    });

    test("re-using a rotated refresh token revokes the whole session (401)", async () => {
      const user = await makeUser(t.rt.db.db);
      const first = await sessionFor(t.rt, user);
      const second = (await (await refresh(first.refresh_token)).json()) as Tokens;
      const replay = await refresh(first.refresh_token);
      expect(replay.status).toBe(401);
      expect(replay.headers.get("www-authenticate")).toBe("Bearer");
      expect(((await replay.json()) as { detail: string }).detail).toBe("Refresh token was already used; the session has been revoked");
      // The thief's replay also logs out the legitimate holder of the newest tokens.
      expect((await me(second.access_token)).status).toBe(401);
      expect((await refresh(second.refresh_token)).status).toBe(401);
      const [row] = await t.rt.db.db.select().from(sessions).where(eq(sessions.userId, user.id));
      expect(row?.revokedReason).toBe("refresh_reuse");
    });

    test("concurrent refreshes with one token: one wins, the other is treated as re-use, never a 500", async () => {
      const user = await makeUser(t.rt.db.db);
      const first = await sessionFor(t.rt, user);
      const statuses = (await Promise.all([refresh(first.refresh_token), refresh(first.refresh_token)])).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401]);
    });

    test("unknown and expired refresh tokens are 401; refresh of a blocked user is 403", async () => {
      expect((await refresh("nope")).status).toBe(401);
      const user = await makeUser(t.rt.db.db);
      const tokens = await sessionFor(t.rt, user);
      await t.rt.db.db
        .update(sessions)
        .set({ refreshExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(sessions.userId, user.id));
      expect((await refresh(tokens.refresh_token)).status).toBe(401);

      const blocked = await makeUser(t.rt.db.db);
      const blockedTokens = await sessionFor(t.rt, blocked);
      await t.rt.db.db.update(users).set({ isBlocked: true, blockedReason: "Abuse of the API" }).where(eq(users.id, blocked.id));
      const res = await refresh(blockedTokens.refresh_token);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "forbidden", detail: { blocked: true, message: "Your account has been blocked", reason: "Abuse of the API" } });
    });

    test("an expired access token is 401 with WWW-Authenticate", async () => {
      const user = await makeUser(t.rt.db.db);
      const tokens = await sessionFor(t.rt, user);
      await t.rt.db.db
        .update(sessions)
        .set({ accessExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(sessions.userId, user.id));
      const res = await me(tokens.access_token);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      expect(await res.json()).toEqual({ error: "unauthorized", detail: "Access token expired" });
    });

    test("a malformed Authorization header or unknown token is 401, also on public routes", async () => {
      for (const header of ["Basic abc", "Bearer", "Bearer unknown-token"]) {
        const res = await t.fetch("/api/v1/categories", { headers: { authorization: header } });
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe("Bearer");
      }
    });

    test("logout revokes the bearer's session (204); without a token it is a 204 no-op", async () => {
      const user = await makeUser(t.rt.db.db);
      const tokens = await sessionFor(t.rt, user);
      const res = await t.fetch("/api/v1/auth/logout", { method: "POST", headers: bearer(tokens.access_token) });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      expect((await me(tokens.access_token)).status).toBe(401);
      expect((await refresh(tokens.refresh_token)).status).toBe(401);
      expect((await t.fetch("/api/v1/auth/logout", { method: "POST" })).status).toBe(204);
    });

    test("logout also takes the refresh token in the body, for a client whose access token expired", async () => {
      const user = await makeUser(t.rt.db.db);
      const tokens = await sessionFor(t.rt, user);
      expect((await t.fetch("/api/v1/auth/logout", jsonInit("POST", { refresh_token: tokens.refresh_token }))).status).toBe(204);
      expect((await me(tokens.access_token)).status).toBe(401);
    });

    test("GET /auth/me shows the real email to the user; /users/me adds stats over all their agents", async () => {
      const user = await makeUser(t.rt.db.db, { email: "me@example.com" });
      await makeAgent(t.rt.db.db, user.id, { downloads: 10, stars: 2 });
      await makeAgent(t.rt.db.db, user.id, { downloads: 5, stars: 1, isPublic: false });
      const { access_token } = await sessionFor(t.rt, user);
      const account = await me(access_token);
      expect(await account.json()).toMatchObject({ id: user.id, email: "me@example.com", role: "user", is_active: true });
      const profile = await t.fetch("/api/v1/users/me", { headers: bearer(access_token) });
      expect(profile.status).toBe(200);
      expect(((await profile.json()) as { stats: unknown }).stats).toEqual({ agents_published: 2, total_downloads: 15, total_stars: 3 });
    });

    test("GET /auth/me/starred lists starred slugs, newest first, hiding others' private agents", async () => {
      const user = await makeUser(t.rt.db.db);
      const author = await makeUser(t.rt.db.db);
      const older = await makeAgent(t.rt.db.db, author.id);
      const newer = await makeAgent(t.rt.db.db, author.id);
      const hidden = await makeAgent(t.rt.db.db, author.id, { isPublic: false });
      await t.rt.db.db.insert(stars).values([
        { userId: user.id, agentId: older.id, createdAt: new Date(Date.now() - 60_000) },
        { userId: user.id, agentId: newer.id },
        { userId: user.id, agentId: hidden.id },
      ]);
      const { access_token } = await sessionFor(t.rt, user);
      const res = await t.fetch("/api/v1/auth/me/starred", { headers: bearer(access_token) });
      expect(await res.json()).toEqual({ starred: [newer.slug, older.slug] });
      const none = await sessionFor(t.rt, await makeUser(t.rt.db.db));
      expect(await (await t.fetch("/api/v1/auth/me/starred", { headers: bearer(none.access_token) })).json()).toEqual({ starred: [] });
    });

    test("purgeExpiredAuthState removes expired sessions and OAuth states and keeps live ones", async () => {
      const user = await makeUser(t.rt.db.db);
      const live = await sessionFor(t.rt, user);
      const dead = await sessionFor(t.rt, user);
      await t.rt.db.db
        .update(sessions)
        .set({ refreshExpiresAt: new Date(Date.now() - 1000) })
        .where(eq(sessions.refreshTokenHash, hashSecret(dead.refresh_token)));
      await t.rt.db.db.insert(oauthStates).values({ state: `old-${Date.now()}`, codeVerifier: "v", expiresAt: new Date(Date.now() - 1000) });
      const purged = await purgeExpiredAuthState(systemContextOf(t.rt));
      expect(purged.sessions).toBeGreaterThanOrEqual(1);
      expect(purged.oauthStates).toBeGreaterThanOrEqual(1);
      expect((await me(live.access_token)).status).toBe(200);
      const left = await t.rt.db.db
        .select()
        .from(sessions)
        .where(eq(sessions.refreshTokenHash, hashSecret(dead.refresh_token)));
      expect(left).toEqual([]);
    });
  });
}
