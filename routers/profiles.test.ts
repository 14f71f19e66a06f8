import { beforeAll, describe, expect, test } from "bun:test";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeAgent, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";

type Profile = { id: number; username: string; email: string; stats: { agents_published: number; total_downloads: number; total_stars: number } };
type Page = { items: { slug: string; agent_slug?: string }[]; total: number };

for (const mode of TEST_MODES) {
  describe(`user profiles [${mode}]`, () => {
    const t = useTestApp(mode);
    const who = {
      author: { id: 0, username: "", role: "user" as "user" | "admin", githubId: 0 as number | null },
      authorToken: "",
      otherToken: "",
      adminToken: "",
    };
    const slugs = { public1: "", public2: "", hidden: "" };

    beforeAll(async () => {
      const author = await makeUser(t.rt.db.db, { email: "author@example.com" });
      who.author = author;
      who.authorToken = (await sessionFor(t.rt, author)).access_token;
      who.otherToken = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      who.adminToken = (await sessionFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }))).access_token;
      slugs.public1 = (await makeAgent(t.rt.db.db, author.id, { downloads: 10, stars: 2 })).slug;
      slugs.public2 = (await makeAgent(t.rt.db.db, author.id, { downloads: 5, stars: 1 })).slug;
      slugs.hidden = (await makeAgent(t.rt.db.db, author.id, { isPublic: false, downloads: 100, stars: 7 })).slug;
    });

    const get = (path: string, token?: string) => t.fetch(path, token ? { headers: bearer(token) } : {});

    test("a profile shows public stats and the no-reply email to others; the real ones to the user and admins", async () => {
      const anonymous = (await (await get(`/api/v1/users/${who.author.username}`)).json()) as Profile;
      expect(anonymous).toMatchObject({
        id: who.author.id,
        username: who.author.username,
        email: `${who.author.githubId}+${who.author.username}@users.noreply.github.com`,
      });
      expect(anonymous.stats).toEqual({ agents_published: 2, total_downloads: 15, total_stars: 3 });

      const other = (await (await get(`/api/v1/users/${who.author.username}`, who.otherToken)).json()) as Profile;
      expect(other.stats).toEqual(anonymous.stats);
      expect(other.email).toBe(anonymous.email);

      for (const token of [who.authorToken, who.adminToken]) {
        const privileged = (await (await get(`/api/v1/users/${who.author.username.toUpperCase()}`, token)).json()) as Profile;
        expect(privileged.email).toBe("author@example.com");
        expect(privileged.stats).toEqual({ agents_published: 3, total_downloads: 115, total_stars: 10 });
      }
      const missing = await get("/api/v1/users/nobody-at-all");
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: "not_found", detail: "User 'nobody-at-all' not found" });
    });

    test("/users/me still answers the caller's own profile, not a user named 'me'", async () => {
      const res = await get("/api/v1/users/me", who.authorToken);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Profile).id).toBe(who.author.id);
    });

    test("a user's agents: private ones only for the user and admins", async () => {
      const anonymous = (await (await get(`/api/v1/users/${who.author.username}/agents`)).json()) as Page;
      expect(anonymous.total).toBe(2);
      expect(anonymous.items.map((a) => a.slug).sort()).toEqual([slugs.public1, slugs.public2].sort());
      const own = (await (await get(`/api/v1/users/${who.author.username}/agents?sort=downloads`, who.authorToken)).json()) as Page;
      expect(own.items.map((a) => a.slug)).toEqual([slugs.hidden, slugs.public1, slugs.public2]);
      expect(((await (await get(`/api/v1/users/${who.author.username}/agents`, who.adminToken)).json()) as Page).total).toBe(3);
    });

    test("starred: newest star first, hidden agents only for those who may see them", async () => {
      const fan = await makeUser(t.rt.db.db);
      const caller = t.caller(actorFor(fan));
      await caller.stars.star({ slug: slugs.public2 });
      await caller.stars.star({ slug: slugs.public1 });
      const starred = (await (await get(`/api/v1/users/${fan.username}/starred`)).json()) as Page;
      expect(starred.items.map((a) => a.slug)).toEqual([slugs.public1, slugs.public2]);

      await t.caller(actorFor(who.author)).stars.star({ slug: slugs.hidden });
      const seenByOthers = (await (await get(`/api/v1/users/${who.author.username}/starred`, who.otherToken)).json()) as Page;
      expect(seenByOthers).toMatchObject({ total: 0, items: [] });
      const seenByAuthor = (await (await get(`/api/v1/users/${who.author.username}/starred`, who.authorToken)).json()) as Page;
      expect(seenByAuthor.items.map((a) => a.slug)).toEqual([slugs.hidden]);
    });

    test("reviews: newest first, reviews of hidden agents only for those who may see them", async () => {
      const critic = await makeUser(t.rt.db.db);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      await t.caller(actorFor(critic)).reviews.create({ slug: slugs.public1, rating: 4 });
      await t.caller(actorFor(critic)).reviews.create({ slug: slugs.public2, rating: 2, comment: "meh" });
      const page = (await (await get(`/api/v1/users/${critic.username}/reviews`)).json()) as Page;
      expect(page.items.map((r) => r.agent_slug)).toEqual([slugs.public2, slugs.public1]);

      await t.caller(actorFor(admin, ["read", "publish", "admin"])).reviews.create({ slug: slugs.hidden, rating: 5 });
      expect(((await (await get(`/api/v1/users/${admin.username}/reviews`)).json()) as Page).total).toBe(0);
      expect(((await (await get(`/api/v1/users/${admin.username}/reviews`, who.authorToken)).json()) as Page).total).toBe(1);
    });
  });
}
