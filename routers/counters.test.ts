import { describe, expect, test } from "bun:test";
import { count, eq, sql, sum } from "drizzle-orm";
import { agents, downloadEvents, reviews, reviewVotes, starEvents, stars } from "../db/schema/index.ts";
import { sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";

/** Counters users see (stars, rating, helpful votes, downloads) checked against their rows after races. */
const N = 50;

for (const mode of TEST_MODES) {
  describe(`counters under concurrency [${mode}]`, () => {
    const t = useTestApp(mode);

    async function counters(agentId: number) {
      const db = t.rt.db.db;
      const [agent] = await db.select().from(agents).where(eq(agents.id, agentId));
      const [starRows] = await db.select({ n: count() }).from(stars).where(eq(stars.agentId, agentId));
      const [starNet] = await db
        .select({ n: sum(starEvents.delta).mapWith(Number) })
        .from(starEvents)
        .where(eq(starEvents.agentId, agentId));
      const [reviewRows] = await db
        .select({ n: count(), total: sql<number>`coalesce(sum(${reviews.rating}), 0)`.mapWith(Number) })
        .from(reviews)
        .where(eq(reviews.agentId, agentId));
      const [events] = await db.select({ n: count() }).from(downloadEvents).where(eq(downloadEvents.agentId, agentId));
      return { agent: agent!, stars: starRows!.n, starNet: starNet!.n ?? 0, reviews: reviewRows!.n, ratingSum: reviewRows!.total, downloads: events!.n };
    }

    test(`${N} concurrent stars, unstars, reviews, votes and downloads leave every counter equal to its rows`, async () => {
      const owner = await makeUser(t.rt.db.db);
      const token = (await sessionFor(t.rt, owner)).access_token;
      const agent = await publishViaHttp(t.fetch, token, { category: (await makeCategory(t.rt.db.db)).slug, name: "Contended Agent" });
      const users = await Promise.all(Array.from({ length: N }, () => makeUser(t.rt.db.db)));
      const callers = users.map((u) => t.caller(actorFor(u)));
      const settle = (calls: Promise<unknown>[]) => Promise.allSettled(calls);

      // Every user stars twice at once: exactly one of each pair wins, the other is a 409.
      const starred = await settle(callers.flatMap((c) => [c.stars.star({ slug: agent.slug }), c.stars.star({ slug: agent.slug })]));
      expect(starred.filter((r) => r.status === "fulfilled")).toHaveLength(N);
      expect(starred.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason.code === "CONFLICT")).toBe(true);

      // Half unstar (twice each: one 404) while the other half review, and everyone downloads.
      const mixed = await settle([
        ...callers.slice(0, N / 2).flatMap((c) => [c.stars.unstar({ slug: agent.slug }), c.stars.unstar({ slug: agent.slug })]),
        ...callers.map((c, i) => c.reviews.create({ slug: agent.slug, rating: (i % 5) + 1, comment: `review ${i}` })),
        ...users.map(() => t.fetch(`/api/v1/agents/${agent.slug}/download`).then((r) => r.arrayBuffer())),
      ]);
      expect(mixed.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason.code === "NOT_FOUND")).toBe(true);

      // Then reviews change and vanish while everyone votes on the first review.
      const page = await t.caller().reviews.list({ slug: agent.slug, limit: 100, offset: 0, sort: "recent" });
      const reviewOf = (i: number) => page.items.find((r) => r.user.id === users[i]!.id)!.id;
      // The last user's review is the one voted on; its author's own vote is a no-op.
      const target = reviewOf(N - 1);
      await settle([
        ...callers.slice(0, 10).map((c, i) => c.reviews.update({ id: reviewOf(i), rating: 5 })),
        ...callers.slice(10, 20).map((c, i) => c.reviews.delete({ id: reviewOf(10 + i) })),
        ...callers.flatMap((c) => [c.reviews.helpful({ id: target }), c.reviews.helpful({ id: target })]),
      ]);
      await t.rt.downloads.flush();

      const now = await counters(agent.id);
      expect(now.stars).toBe(N / 2);
      expect(now.agent.stars).toBe(now.stars);
      expect(now.starNet).toBe(now.stars);
      expect(now.reviews).toBe(N - 10);
      expect(now.agent.reviewCount).toBe(now.reviews);
      expect(now.agent.ratingSum).toBe(now.ratingSum);
      expect(now.agent.rating).toBe(Math.round((now.ratingSum / now.reviews) * 100) / 100);
      expect(now.downloads).toBe(N);
      expect(now.agent.downloads).toBe(N);

      const [votes] = await t.rt.db.db.select({ n: count() }).from(reviewVotes).where(eq(reviewVotes.reviewId, target));
      const [voted] = await t.rt.db.db.select({ helpful: reviews.helpfulCount }).from(reviews).where(eq(reviews.id, target));
      expect(votes!.n).toBe(N - 1);
      expect(voted!.helpful).toBe(N - 1);
    }, 60_000);
  });
}
