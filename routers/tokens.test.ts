import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { apiTokens } from "../db/schema/index.ts";
import { TOUCH_INTERVAL_MS } from "../src/services/auth/credentials.ts";
import { hashSecret } from "../src/services/auth/secrets.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

interface Created {
  id: number;
  token: string;
  name: string;
  scopes: string[];
  prefix: string;
  expires_at: string | null;
}

for (const mode of TEST_MODES) {
  describe(`API tokens [${mode}]`, () => {
    const t = useTestApp(mode);
    const create = (auth: string, body: unknown) => t.fetch("/api/v1/auth/tokens", jsonInit("POST", body, bearer(auth)));
    const lastUsed = async (id: number) => (await t.rt.db.db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0]?.lastUsedAt ?? null;

    test("create answers 201 with the secret once; the list shows prefix and metadata but never the secret", async () => {
      const user = await makeUser(t.rt.db.db);
      const { access_token } = await sessionFor(t.rt, user);
      const res = await create(access_token, { name: "CI", scopes: ["read", "publish", "read"], expires_in_days: 30 });
      expect(res.status).toBe(201);
      const created = (await res.json()) as Created;
      expect(created.token).toMatch(/^amp_[a-z2-7]{52}$/);
      expect(created.prefix).toBe(created.token.slice(0, 12));
      expect(created.scopes).toEqual(["read", "publish"]);
      const days = (Date.parse(created.expires_at ?? "") - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThanOrEqual(30);

      const [row] = await t.rt.db.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
      expect(row?.tokenHash).toBe(hashSecret(created.token));

      const list = await t.fetch("/api/v1/auth/tokens", { headers: bearer(access_token) });
      const body = (await list.json()) as { items: Record<string, unknown>[] };
      expect(body.items).toEqual([
        {
          id: created.id,
          name: "CI",
          scopes: ["read", "publish"],
          prefix: created.prefix,
          created_at: expect.any(String),
          last_used_at: null,
          expires_at: created.expires_at,
        },
      ]);
      expect(JSON.stringify(body)).not.toContain(created.token);
    });

    test("the token works as a bearer everywhere; the tRPC endpoint accepts it too", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user, ["read"]);
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(token) })).status).toBe(200);
      const rpc = await t.fetch("/trpc/auth.me", { headers: bearer(token) });
      expect(rpc.status).toBe(200);
      expect(((await rpc.json()) as { result: { data: { id: number } } }).result.data.id).toBe(user.id);
    });

    test("a read token cannot mutate; admin scope is for admins only; a token cannot grant more than it has", async () => {
      const user = await makeUser(t.rt.db.db);
      const readOnly = await apiTokenFor(t.rt, user, ["read"]);
      const denied = await create(readOnly, { name: "x", scopes: ["read"] });
      expect(denied.status).toBe(403);
      expect(await denied.json()).toEqual({ error: "forbidden", detail: "This token's scopes do not allow changes" });

      const { access_token } = await sessionFor(t.rt, user);
      const adminScope = await create(access_token, { name: "x", scopes: ["admin"] });
      expect(adminScope.status).toBe(403);
      expect(((await adminScope.json()) as { detail: string }).detail).toBe("Only admins can create tokens with the admin scope");

      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      const publishOnly = await apiTokenFor(t.rt, admin, ["read", "publish"]);
      expect((await create(publishOnly, { name: "x", scopes: ["admin"] })).status).toBe(403);
      const adminSession = await sessionFor(t.rt, admin);
      expect((await create(adminSession.access_token, { name: "ops", scopes: ["admin"] })).status).toBe(201);
    });

    test("bad input is 422 located in the body", async () => {
      const user = await makeUser(t.rt.db.db);
      const { access_token } = await sessionFor(t.rt, user);
      const res = await create(access_token, { name: "", scopes: ["write"], expires_in_days: 0 });
      expect(res.status).toBe(422);
      const detail = ((await res.json()) as { detail: { loc: (string | number)[] }[] }).detail;
      expect(detail.map((d) => d.loc[1])).toEqual(expect.arrayContaining(["name", "scopes", "expires_in_days"]));
    });

    test("revoking answers 204 and the token is 401 on its next request; others' tokens are 404", async () => {
      const user = await makeUser(t.rt.db.db);
      const { access_token } = await sessionFor(t.rt, user);
      const created = (await (await create(access_token, { name: "laptop", scopes: ["read"] })).json()) as Created;
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(created.token) })).status).toBe(200);

      const stranger = await sessionFor(t.rt, await makeUser(t.rt.db.db));
      const foreign = await t.fetch(`/api/v1/auth/tokens/${created.id}`, { method: "DELETE", headers: bearer(stranger.access_token) });
      expect(foreign.status).toBe(404);

      const res = await t.fetch(`/api/v1/auth/tokens/${created.id}`, { method: "DELETE", headers: bearer(access_token) });
      expect(res.status).toBe(204);
      const after = await t.fetch("/api/v1/auth/me", { headers: bearer(created.token) });
      expect(after.status).toBe(401);
      expect(after.headers.get("www-authenticate")).toBe("Bearer");
      const list = (await (await t.fetch("/api/v1/auth/tokens", { headers: bearer(access_token) })).json()) as { items: unknown[] };
      expect(list.items).toEqual([]);
    });

    test("an expired token is 401", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user, ["read"], new Date(Date.now() - 1000));
      const res = await t.fetch("/api/v1/auth/me", { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "unauthorized", detail: "API token expired" });
    });

    test("last_used_at is written at most once a minute, off the request path", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user, ["read"]);
      const [row] = await t.rt.db.db
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.tokenHash, hashSecret(token)));
      const id = row?.id ?? 0;
      await Promise.all(Array.from({ length: 5 }, () => t.fetch("/api/v1/auth/me", { headers: bearer(token) })));
      const first = await waitFor(
        () => lastUsed(id),
        (v) => v !== null,
      );

      await t.fetch("/api/v1/auth/me", { headers: bearer(token) });
      await Bun.sleep(50);
      expect(await lastUsed(id)).toEqual(first);

      const stale = new Date(Date.now() - TOUCH_INTERVAL_MS - 1000);
      await t.rt.db.db.update(apiTokens).set({ lastUsedAt: stale }).where(eq(apiTokens.id, id));
      await t.fetch("/api/v1/auth/me", { headers: bearer(token) });
      const refreshed = await waitFor(
        () => lastUsed(id),
        (v) => v !== null && v.getTime() > stale.getTime(),
      );
      expect(refreshed?.getTime()).toBeGreaterThan(stale.getTime());
    });
  });
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await Bun.sleep(10);
  }
}
