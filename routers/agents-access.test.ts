import { beforeAll, describe, expect, test } from "bun:test";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeAgent, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

/**
 * Who may change what, route by route (contract sections 3-5): anonymous 401, a `read` token 403,
 * another user 403 (or 404 when the agent is private), admins as the contract says, the owner
 * allowed. Every row runs on fresh rows, so one role's success cannot hide another's failure.
 */
type Role = "anonymous" | "readToken" | "other" | "admin" | "owner";
interface Fixture {
  slug: string;
  reviewId: number;
}
interface Row {
  route: string;
  method: string;
  path: (f: Fixture) => string;
  body?: unknown;
  expect: Record<Role, number>;
}

const rows: Row[] = [
  {
    route: "PUT /agents/{slug}",
    method: "PUT",
    path: (f) => `/agents/${f.slug}`,
    body: { description: "A changed description" },
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 200, owner: 200 },
  },
  {
    route: "PATCH /agents/{slug}",
    method: "PATCH",
    path: (f) => `/agents/${f.slug}`,
    body: { is_public: true },
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 200, owner: 200 },
  },
  {
    route: "DELETE /agents/{slug}",
    method: "DELETE",
    path: (f) => `/agents/${f.slug}`,
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 204, owner: 204 },
  },
  {
    route: "POST /agents/{slug}/star",
    method: "POST",
    path: (f) => `/agents/${f.slug}/star`,
    expect: { anonymous: 401, readToken: 403, other: 204, admin: 204, owner: 204 },
  },
  {
    route: "DELETE /agents/{slug}/star",
    method: "DELETE",
    path: (f) => `/agents/${f.slug}/star`,
    expect: { anonymous: 401, readToken: 403, other: 404, admin: 404, owner: 404 },
  },
  {
    route: "POST /agents/{slug}/reviews",
    method: "POST",
    path: (f) => `/agents/${f.slug}/reviews`,
    body: { rating: 4 },
    expect: { anonymous: 401, readToken: 403, other: 201, admin: 201, owner: 403 },
  },
];

/** Routes acting on a review, where "owner" means the review's author. */
const reviewRows: Row[] = [
  {
    route: "PUT /reviews/{id}",
    method: "PUT",
    path: (f) => `/reviews/${f.reviewId}`,
    body: { rating: 1 },
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 403, owner: 200 },
  },
  {
    route: "PUT /agents/{slug}/reviews/{id}",
    method: "PUT",
    path: (f) => `/agents/${f.slug}/reviews/${f.reviewId}`,
    body: { rating: 1 },
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 403, owner: 200 },
  },
  {
    route: "DELETE /reviews/{id}",
    method: "DELETE",
    path: (f) => `/reviews/${f.reviewId}`,
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 204, owner: 204 },
  },
  {
    route: "DELETE /agents/{slug}/reviews/{id}",
    method: "DELETE",
    path: (f) => `/agents/${f.slug}/reviews/${f.reviewId}`,
    expect: { anonymous: 401, readToken: 403, other: 403, admin: 204, owner: 204 },
  },
  {
    route: "POST /reviews/{id}/helpful",
    method: "POST",
    path: (f) => `/reviews/${f.reviewId}/helpful`,
    expect: { anonymous: 401, readToken: 403, other: 204, admin: 204, owner: 204 },
  },
  {
    route: "POST /agents/{slug}/reviews/{id}/helpful",
    method: "POST",
    path: (f) => `/agents/${f.slug}/reviews/${f.reviewId}/helpful`,
    expect: { anonymous: 401, readToken: 403, other: 204, admin: 204, owner: 204 },
  },
];

const ROLES: Role[] = ["anonymous", "readToken", "other", "admin", "owner"];

for (const mode of TEST_MODES) {
  describe(`authorization of agent, star and review routes [${mode}]`, () => {
    const t = useTestApp(mode);
    const tokens = { other: "", admin: "" };

    beforeAll(async () => {
      tokens.other = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      tokens.admin = (await sessionFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }))).access_token;
    });

    /** A public (or private) agent and a review of it; returns the tokens of the agent's owner and of the review's author. */
    async function fixture(isPublic: boolean) {
      const owner = await makeUser(t.rt.db.db);
      const reviewer = await makeUser(t.rt.db.db);
      const agent = await makeAgent(t.rt.db.db, owner.id, { isPublic });
      // Reviews of a private agent can only be written by someone who sees it: an admin.
      const reviewerActor = isPublic ? actorFor(reviewer) : actorFor({ ...reviewer, role: "admin" }, ["read", "publish", "admin"]);
      const review = await t.caller(reviewerActor).reviews.create({ slug: agent.slug, rating: 3 });
      return {
        fixture: { slug: agent.slug, reviewId: review.id },
        agentOwner: { session: (await sessionFor(t.rt, owner)).access_token, read: await apiTokenFor(t.rt, owner, ["read"]) },
        reviewAuthor: { session: (await sessionFor(t.rt, reviewer)).access_token, read: await apiTokenFor(t.rt, reviewer, ["read"]) },
      };
    }

    async function call(row: Row, f: Fixture, token: string | null): Promise<number> {
      const headers = token ? bearer(token) : {};
      const init = row.body === undefined ? { method: row.method, headers } : jsonInit(row.method, row.body, headers);
      return (await t.fetch(`/api/v1${row.path(f)}`, init)).status;
    }

    for (const [group, list] of [
      ["agent", rows],
      ["review", reviewRows],
    ] as const) {
      test.each(list.map((row) => [row.route, row] as const))(`${group} route %s`, async (_, row) => {
        const seen: Partial<Record<Role, number>> = {};
        for (const role of ROLES) {
          const { fixture: f, agentOwner, reviewAuthor } = await fixture(true);
          const owner = group === "agent" ? agentOwner : reviewAuthor;
          const token = { anonymous: null, readToken: owner.read, other: tokens.other, admin: tokens.admin, owner: owner.session }[role];
          seen[role] = await call(row, f, token);
        }
        expect(seen).toEqual(row.expect);
      });
    }

    test("on a private agent, everyone but its author and admins gets 404, never 403", async () => {
      for (const row of [...rows, ...reviewRows]) {
        const { fixture: f } = await fixture(false);
        expect({ route: row.route, status: await call(row, f, tokens.other) }).toEqual({ route: row.route, status: 404 });
      }
    });
  });
}
