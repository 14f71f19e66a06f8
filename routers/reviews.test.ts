import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agents } from "../db/schema/index.ts";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeAgent, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

type Review = { id: number; rating: number; comment: string | null; helpful_count: number; agent_slug: string; user: { id: number } };

for (const mode of TEST_MODES) {
  describe(`stars and reviews [${mode}]`, () => {
    const t = useTestApp(mode);
    const people = { author: "", alice: "", bob: "", admin: "" };
    let slug = "";
    let authorId = 0;

    beforeAll(async () => {
      const author = await makeUser(t.rt.db.db);
      authorId = author.id;
      slug = (await makeAgent(t.rt.db.db, author.id)).slug;
      people.author = (await sessionFor(t.rt, author)).access_token;
      people.alice = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      people.bob = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      people.admin = (await sessionFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }))).access_token;
    });

    const agentRow = async (s = slug) => (await t.rt.db.db.select().from(agents).where(eq(agents.slug, s)))[0]!;

    test("star is 204 then 409; unstar is 204 then 404; the counter follows", async () => {
      const star = (method: string) => t.fetch(`/api/v1/agents/${slug}/star`, { method, headers: bearer(people.alice) });
      expect((await star("POST")).status).toBe(204);
      const again = await star("POST");
      expect(again.status).toBe(409);
      expect(await again.json()).toEqual({ error: "conflict", detail: "Agent already starred" });
      expect((await agentRow()).stars).toBe(1);
      expect((await star("DELETE")).status).toBe(204);
      const gone = await star("DELETE");
      expect(gone.status).toBe(404);
      expect(await gone.json()).toEqual({ error: "not_found", detail: "Agent not starred" });
      expect((await agentRow()).stars).toBe(0);
      expect((await t.fetch("/api/v1/agents/nope/star", { method: "POST", headers: bearer(people.alice) })).status).toBe(404);
    });

    test("reviews: 201, one per user (409), the rating is the exact mean, authors cannot review their own agent", async () => {
      const post = (token: string, body: unknown) => t.fetch(`/api/v1/agents/${slug}/reviews`, jsonInit("POST", body, bearer(token)));
      const first = await post(people.alice, { rating: 5, comment: "Great" });
      expect(first.status).toBe(201);
      const review = (await first.json()) as Review;
      expect(review).toMatchObject({ rating: 5, comment: "Great", helpful_count: 0, agent_slug: slug });
      const dup = await post(people.alice, { rating: 1 });
      expect(dup.status).toBe(409);
      expect(await dup.json()).toEqual({ error: "conflict", detail: "You have already reviewed this agent" });
      expect((await post(people.bob, { rating: 2 })).status).toBe(201);
      expect((await post(people.author, { rating: 5 })).status).toBe(403);
      expect((await post(people.bob, { rating: 6 })).status).toBe(422);

      const row = await agentRow();
      expect(row).toMatchObject({ rating: 3.5, reviewCount: 2, ratingSum: 7 });
      const list = (await (await t.fetch(`/api/v1/agents/${slug}/reviews?sort=rating`)).json()) as {
        items: Review[];
        total: number;
        average_rating: number;
        has_more: boolean;
      };
      expect(list).toMatchObject({ total: 2, average_rating: 3.5, has_more: false });
      expect(list.items.map((r) => r.rating)).toEqual([5, 2]);
      const detail = (await (await t.fetch(`/api/v1/agents/${slug}`)).json()) as { rating: number };
      expect(detail.rating).toBe(3.5);
    });

    test("update and delete through flat and nested routes keep the rating exact; only the author edits", async () => {
      const other = await makeAgent(t.rt.db.db, authorId);
      const created = (await (await t.fetch(`/api/v1/agents/${other.slug}/reviews`, jsonInit("POST", { rating: 1 }, bearer(people.alice)))).json()) as Review;

      const flat = await t.fetch(`/api/v1/reviews/${created.id}`, jsonInit("PUT", { rating: 4, comment: "Changed my mind" }, bearer(people.alice)));
      expect(flat.status).toBe(200);
      expect(await flat.json()).toMatchObject({ rating: 4, comment: "Changed my mind" });
      expect((await agentRow(other.slug)).rating).toBe(4);

      const nested = await t.fetch(`/api/v1/agents/${other.slug}/reviews/${created.id}`, jsonInit("PUT", { rating: 3 }, bearer(people.alice)));
      expect(await nested.json()).toMatchObject({ rating: 3, comment: "Changed my mind" });
      expect((await agentRow(other.slug)).rating).toBe(3);

      expect((await t.fetch(`/api/v1/reviews/${created.id}`, jsonInit("PUT", { rating: 5 }, bearer(people.bob)))).status).toBe(403);
      expect((await t.fetch(`/api/v1/reviews/${created.id}`, jsonInit("PUT", { rating: 5 }, bearer(people.admin)))).status).toBe(403);
      // Nested under another agent, the review does not exist.
      expect((await t.fetch(`/api/v1/agents/${slug}/reviews/${created.id}`, jsonInit("PUT", { rating: 5 }, bearer(people.alice)))).status).toBe(404);
      expect((await t.fetch(`/api/v1/reviews/${created.id}`, { method: "DELETE", headers: bearer(people.bob) })).status).toBe(403);

      // An admin may delete; so may the author, on the nested route.
      expect((await t.fetch(`/api/v1/reviews/${created.id}`, { method: "DELETE", headers: bearer(people.admin) })).status).toBe(204);
      expect(await agentRow(other.slug)).toMatchObject({ rating: 0, reviewCount: 0, ratingSum: 0 });
      const second = (await (await t.fetch(`/api/v1/agents/${other.slug}/reviews`, jsonInit("POST", { rating: 2 }, bearer(people.bob)))).json()) as Review;
      expect((await t.fetch(`/api/v1/agents/${other.slug}/reviews/${second.id}`, { method: "DELETE", headers: bearer(people.bob) })).status).toBe(204);
      expect((await t.fetch(`/api/v1/reviews/${second.id}`, { method: "DELETE", headers: bearer(people.bob) })).status).toBe(404);
    });

    test("helpful: one vote per user, a repeat and a vote on one's own review change nothing", async () => {
      const target = await makeAgent(t.rt.db.db, authorId);
      const review = (await (await t.fetch(`/api/v1/agents/${target.slug}/reviews`, jsonInit("POST", { rating: 4 }, bearer(people.alice)))).json()) as Review;
      const vote = (token: string, path = `/api/v1/reviews/${review.id}/helpful`) => t.fetch(path, { method: "POST", headers: bearer(token) });
      expect((await vote(people.bob)).status).toBe(204);
      expect((await vote(people.bob)).status).toBe(204);
      expect((await vote(people.bob, `/api/v1/agents/${target.slug}/reviews/${review.id}/helpful`)).status).toBe(204);
      expect((await vote(people.alice)).status).toBe(204);
      expect((await vote(people.admin, `/api/v1/agents/${target.slug}/reviews/${review.id}/helpful`)).status).toBe(204);
      const list = (await (await t.fetch(`/api/v1/agents/${target.slug}/reviews`)).json()) as { items: Review[] };
      expect(list.items[0]!.helpful_count).toBe(2);
      expect((await vote(people.bob, `/api/v1/reviews/999999/helpful`)).status).toBe(404);
    });

    test("reviews sort by helpful votes by default, then recent", async () => {
      const target = await makeAgent(t.rt.db.db, authorId);
      const caller = (token: string) => t.fetch(`/api/v1/agents/${target.slug}/reviews`, jsonInit("POST", { rating: 3 }, bearer(token)));
      const a = (await (await caller(people.alice)).json()) as Review;
      const b = (await (await caller(people.bob)).json()) as Review;
      await t.fetch(`/api/v1/reviews/${a.id}/helpful`, { method: "POST", headers: bearer(people.admin) });
      const helpful = (await (await t.fetch(`/api/v1/agents/${target.slug}/reviews`)).json()) as { items: Review[] };
      expect(helpful.items.map((r) => r.id)).toEqual([a.id, b.id]);
      const recent = (await (await t.fetch(`/api/v1/agents/${target.slug}/reviews?sort=recent`)).json()) as { items: Review[] };
      expect(recent.items.map((r) => r.id)).toEqual([b.id, a.id]);
    });

    test("the tRPC procedures answer the same shapes", async () => {
      const user = await makeUser(t.rt.db.db);
      const target = await makeAgent(t.rt.db.db, authorId);
      const caller = t.caller(actorFor(user));
      const review = await caller.reviews.create({ slug: target.slug, rating: 4, comment: null });
      expect(review).toMatchObject({ rating: 4, comment: null, user: { id: user.id, username: user.username } });
      await caller.stars.star({ slug: target.slug });
      await expect(caller.stars.star({ slug: target.slug })).rejects.toMatchObject({ code: "CONFLICT" });
      const page = await t.caller().reviews.list({ slug: target.slug, limit: 20, offset: 0, sort: "helpful" });
      expect(page).toMatchObject({ total: 1, average_rating: 4, items: [review] });
    });
  });
}
