import { beforeAll, describe, expect, test } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import { agents, agentVersions, apiTokens, reviews, reviewVotes, sessions, starEvents, stars, storageDeletions, users } from "../db/schema/index.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { makeAgent, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

interface AdminUserBody {
  id: number;
  username: string;
  email: string | null;
  role: string;
  bio: string | null;
  is_active: boolean;
  is_blocked: boolean;
  blocked_reason: string | null;
}

for (const mode of TEST_MODES) {
  describe(`admin users [${mode}]`, () => {
    const t = useTestApp(mode);
    let adminToken = "";
    const as = (method: string, path: string, body?: unknown) =>
      t.fetch(`/api/v1/admin/users${path}`, body === undefined ? { method, headers: bearer(adminToken) } : jsonInit(method, body, bearer(adminToken)));

    beforeAll(async () => {
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      adminToken = await apiTokenFor(t.rt, admin, ["read", "publish", "admin"]);
    });

    test("list: newest first, limit/offset, total, search on username or email with literal % and _", async () => {
      const tag = `srch${Date.now().toString(36)}`;
      const a = await makeUser(t.rt.db.db, { username: `${tag}-alpha`, email: "alpha@example.com" });
      const b = await makeUser(t.rt.db.db, { username: `${tag}_beta`, email: `beta-${tag}@example.com` });
      const res = await as("GET", `?search=${tag}&limit=1`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: AdminUserBody[]; total: number };
      expect(page.total).toBe(2);
      expect(page.items.map((u) => u.id)).toEqual([b.id]);
      expect(page.items[0]).toMatchObject({ email: `beta-${tag}@example.com`, is_blocked: false, blocked_reason: null });
      const second = (await (await as("GET", `?search=${tag}&limit=1&offset=1`)).json()) as { items: AdminUserBody[] };
      expect(second.items.map((u) => u.id)).toEqual([a.id]);
      const literal = (await (await as("GET", `?search=${encodeURIComponent(`${tag}_`)}`)).json()) as { total: number };
      expect(literal.total).toBe(1);
      const all = (await (await as("GET", "")).json()) as { items: unknown[]; total: number };
      expect(all.items.length).toBe(Math.min(all.total, 100));
      expect((await as("GET", "?limit=101")).status).toBe(422);
    });

    test("get and update role, bio and is_active; unknown id is 404", async () => {
      const user = await makeUser(t.rt.db.db);
      const got = await as("GET", `/${user.id}`);
      expect(((await got.json()) as AdminUserBody).email).toBe(user.email);
      const res = await as("PUT", `/${user.id}`, { bio: "Hello", is_active: false });
      expect(await res.json()).toMatchObject({ id: user.id, bio: "Hello", is_active: false, role: "user" });
      const promoted = await as("PUT", `/${user.id}`, { role: "admin", is_active: true });
      expect(await promoted.json()).toMatchObject({ role: "admin", is_active: true, bio: "Hello" });
      expect((await as("GET", "/999999999")).status).toBe(404);
      expect((await as("PUT", "/999999999", { bio: "x" })).status).toBe(404);
    });

    test("a deactivated user's tokens are refused at once with 403, and work again when reactivated", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      await as("PUT", `/${user.id}`, { is_active: false });
      const res = await t.fetch("/api/v1/auth/me", { headers: bearer(token) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { detail: { blocked: boolean } }).detail.blocked).toBe(true);
      await as("PUT", `/${user.id}`, { is_active: true });
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(token) })).status).toBe(200);
    });

    test("block: 200 AdminUser, every session and token stops working on the next request; unblock does not revive them", async () => {
      const user = await makeUser(t.rt.db.db);
      const session = await sessionFor(t.rt, user);
      const token = await apiTokenFor(t.rt, user);
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(session.access_token) })).status).toBe(200);

      const res = await as("POST", `/${user.id}/block`, { blocked_reason: "Published malware twice" });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: user.id, is_blocked: true, blocked_reason: "Published malware twice" });
      for (const credential of [session.access_token, token]) {
        const refused = await t.fetch("/api/v1/auth/me", { headers: bearer(credential) });
        expect(refused.status).toBe(403);
        expect(await refused.json()).toEqual({
          error: "forbidden",
          detail: { blocked: true, message: "Your account has been blocked", reason: "Published malware twice" },
        });
      }
      const revoked = await t.rt.db.db.select().from(sessions).where(eq(sessions.userId, user.id));
      expect(revoked.every((s) => s.revokedAt !== null && s.revokedReason === "blocked")).toBe(true);
      const tokens = await t.rt.db.db.select().from(apiTokens).where(eq(apiTokens.userId, user.id));
      expect(tokens.every((row) => row.revokedAt !== null)).toBe(true);

      const unblocked = await as("POST", `/${user.id}/unblock`);
      expect(await unblocked.json()).toMatchObject({ is_blocked: false, blocked_reason: null });
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(token) })).status).toBe(401);
      const fresh = await sessionFor(t.rt, user);
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(fresh.access_token) })).status).toBe(200);
    });

    test("block needs a reason of 10..500 characters; admins cannot be blocked or deleted", async () => {
      const user = await makeUser(t.rt.db.db);
      const short = await as("POST", `/${user.id}/block`, { blocked_reason: "too short" });
      expect(short.status).toBe(422);
      expect(((await short.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(["body", "blocked_reason"]);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      const block = await as("POST", `/${admin.id}/block`, { blocked_reason: "Long enough reason" });
      expect(block.status).toBe(400);
      expect(await block.json()).toEqual({ error: "bad_request", detail: "Admins cannot be blocked" });
      const del = await as("DELETE", `/${admin.id}`);
      expect(del.status).toBe(400);
      expect(await del.json()).toEqual({ error: "bad_request", detail: "Admins cannot be deleted" });
    });

    test("delete: 204; their agents, reviews, stars and tokens go, others' counters are corrected, files are queued", async () => {
      const doomed = await makeUser(t.rt.db.db);
      const other = await makeUser(t.rt.db.db);
      const own = await makeAgent(t.rt.db.db, doomed.id);
      await t.rt.db.db.insert(agentVersions).values([
        { agentId: own.id, version: "1.0.0", major: 1, minor: 0, patch: 0, sizeBytes: 10, sha256: "a".repeat(64), storageKey: `agents/${own.id}/1.zip` },
        { agentId: own.id, version: "1.1.0", major: 1, minor: 1, patch: 0, sizeBytes: 10, sha256: "b".repeat(64), storageKey: "https://example.com/ext.zip" },
      ]);
      const theirs = await makeAgent(t.rt.db.db, other.id, { stars: 2, ratingSum: 9, reviewCount: 2 });
      await t.rt.db.db.insert(stars).values([
        { userId: doomed.id, agentId: theirs.id },
        { userId: other.id, agentId: theirs.id },
      ]);
      const [doomedReview] = await t.rt.db.db.insert(reviews).values({ agentId: theirs.id, userId: doomed.id, rating: 5 }).returning();
      const [otherReview] = await t.rt.db.db.insert(reviews).values({ agentId: theirs.id, userId: other.id, rating: 4, helpfulCount: 1 }).returning();
      await t.rt.db.db.insert(reviewVotes).values({ reviewId: otherReview?.id ?? 0, userId: doomed.id });
      const token = await apiTokenFor(t.rt, doomed);

      const res = await as("DELETE", `/${doomed.id}`);
      expect(res.status).toBe(204);
      expect(await t.rt.db.db.select().from(users).where(eq(users.id, doomed.id))).toEqual([]);
      expect(await t.rt.db.db.select().from(agents).where(eq(agents.id, own.id))).toEqual([]);
      expect(
        await t.rt.db.db
          .select()
          .from(reviews)
          .where(eq(reviews.id, doomedReview?.id ?? 0)),
      ).toEqual([]);
      expect((await t.fetch("/api/v1/auth/me", { headers: bearer(token) })).status).toBe(401);

      const [after] = await t.rt.db.db.select().from(agents).where(eq(agents.id, theirs.id));
      expect(after).toMatchObject({ stars: 1, ratingSum: 4, reviewCount: 1, rating: 4 });
      const [review] = await t.rt.db.db
        .select()
        .from(reviews)
        .where(eq(reviews.id, otherReview?.id ?? 0));
      expect(review?.helpfulCount).toBe(0);
      const unstars = await t.rt.db.db.select().from(starEvents).where(eq(starEvents.agentId, theirs.id));
      expect(unstars.map((e) => e.delta)).toEqual([-1]);
      const queued = await t.rt.db.db
        .select()
        .from(storageDeletions)
        .where(inArray(storageDeletions.storageKey, [`agents/${own.id}/1.zip`, "https://example.com/ext.zip"]));
      expect(queued.map((q) => [q.storageKey, q.reason])).toEqual([[`agents/${own.id}/1.zip`, "user_deleted"]]);
      expect((await as("DELETE", `/${doomed.id}`)).status).toBe(404);
    });
  });
}
