import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { apiTokens } from "../db/schema/index.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

interface Created {
  user: { id: number; username: string; role: string; github_id: number | null; is_blocked: boolean };
  token: string;
  token_id: number;
}

for (const mode of TEST_MODES) {
  describe(`POST /admin/users [${mode}]`, () => {
    const t = useTestApp(mode);
    let adminToken = "";
    let userToken = "";
    const create = (body: unknown, token = adminToken) => t.fetch("/api/v1/admin/users", jsonInit("POST", body, token ? bearer(token) : {}));

    beforeAll(async () => {
      const admin = await makeUser(t.rt.db.db, { role: "admin", username: `creator-${Date.now().toString(36)}` });
      adminToken = await apiTokenFor(t.rt, admin, ["read", "publish", "admin"]);
      userToken = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
    });

    test("201: an unlinked user account and a read+publish token that works for it and has no admin power", async () => {
      const login = `newcomer-${Date.now().toString(36)}`;
      const res = await create({ username: login });
      expect(res.status).toBe(201);
      const body = (await res.json()) as Created;
      expect(body.user).toMatchObject({ username: login, role: "user", github_id: null, is_blocked: false });
      expect(body.token).toMatch(/^amp_/);
      const [row] = await t.rt.db.db.select().from(apiTokens).where(eq(apiTokens.id, body.token_id));
      expect(row).toMatchObject({ userId: body.user.id, scopes: ["read", "publish"], expiresAt: null });
      expect(row?.name).toStartWith("created by creator-");

      const me = await t.fetch("/api/v1/auth/me", { headers: bearer(body.token) });
      expect(await me.json()).toMatchObject({ id: body.user.id, username: login });
      // It can publish: a category it names must exist, so the answer past the scope check is about the input.
      const category = await makeCategory(t.rt.db.db);
      const star = await t.fetch(`/api/v1/categories/${category.slug}`, { headers: bearer(body.token) });
      expect(star.status).toBe(200);
      expect((await t.fetch("/api/v1/admin/users", { headers: bearer(body.token) })).status).toBe(403);
    });

    test("409 for a login that exists (case-insensitive); 422 for one GitHub would not accept", async () => {
      const taken = await makeUser(t.rt.db.db, { username: `Taken-${Date.now().toString(36)}` });
      const clash = await create({ username: taken.username.toLowerCase() });
      expect(clash.status).toBe(409);
      expect(await clash.json()).toEqual({ error: "conflict", detail: `A user with the login '${taken.username.toLowerCase()}' already exists` });
      for (const username of ["", "-dash", "two--dashes", "x".repeat(40), "spa ce"]) {
        const bad = await create({ username });
        expect(bad.status).toBe(422);
        const body = (await bad.json()) as { error: string; detail: { loc: string[] }[] };
        expect(body.error).toBe("validation_error");
        expect(body.detail[0]?.loc).toEqual(["body", "username"]);
      }
    });

    test("401 anonymous; 403 for a user, and for an admin's token without the admin scope", async () => {
      const anonymous = await create({ username: "anon-made" }, "");
      expect(anonymous.status).toBe(401);
      const user = await create({ username: "user-made" }, userToken);
      expect(user.status).toBe(403);
      expect(await user.json()).toEqual({ error: "forbidden", detail: "Admin access required" });
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      for (const scopes of [["read"], ["read", "publish"]] as const) {
        const res = await create({ username: "scoped-made" }, await apiTokenFor(t.rt, admin, [...scopes]));
        expect(res.status).toBe(403);
      }
    });
  });
}
