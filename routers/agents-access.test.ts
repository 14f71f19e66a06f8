import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../db/schema/index.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeAgent, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

/**
 * Who may change what, route by route (contract sections 3-5): anonymous 401, a `read` token 403,
 * another user 403 (or 404 when the agent is private), admins as the contract says, the owner
 * allowed. An admin acts as admin only with the `admin` scope: an admin's `publish` token is an
 * ordinary user's, an admin's `read` token cannot change anything. Blocked accounts are refused.
 * Every row runs on fresh rows, so one role's success cannot hide another's failure.
 */
type Role =
  | "anonymous"
  | "blocked"
  | "readToken"
  | "ownerPublishToken"
  | "other"
  | "otherPublishToken"
  | "admin"
  | "adminReadToken"
  | "adminPublishToken"
  | "adminAdminToken"
  | "owner";
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
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 200,
      other: 403,
      otherPublishToken: 403,
      admin: 200,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 200,
      owner: 200,
    },
  },
  {
    route: "PATCH /agents/{slug}",
    method: "PATCH",
    path: (f) => `/agents/${f.slug}`,
    body: { is_public: true },
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 200,
      other: 403,
      otherPublishToken: 403,
      admin: 200,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 200,
      owner: 200,
    },
  },
  {
    route: "DELETE /agents/{slug}",
    method: "DELETE",
    path: (f) => `/agents/${f.slug}`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 204,
      other: 403,
      otherPublishToken: 403,
      admin: 204,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 204,
      owner: 204,
    },
  },
  {
    route: "POST /agents/{slug}/star",
    method: "POST",
    path: (f) => `/agents/${f.slug}/star`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 204,
      other: 204,
      otherPublishToken: 204,
      admin: 204,
      adminReadToken: 403,
      adminPublishToken: 204,
      adminAdminToken: 204,
      owner: 204,
    },
  },
  {
    route: "DELETE /agents/{slug}/star",
    method: "DELETE",
    path: (f) => `/agents/${f.slug}/star`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 404,
      other: 404,
      otherPublishToken: 404,
      admin: 404,
      adminReadToken: 403,
      adminPublishToken: 404,
      adminAdminToken: 404,
      owner: 404,
    },
  },
  {
    route: "POST /agents/{slug}/reviews",
    method: "POST",
    path: (f) => `/agents/${f.slug}/reviews`,
    body: { rating: 4 },
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 403,
      other: 201,
      otherPublishToken: 201,
      admin: 201,
      adminReadToken: 403,
      adminPublishToken: 201,
      adminAdminToken: 201,
      owner: 403,
    },
  },
];

/** Routes acting on a review, where "owner" means the review's author. */
const reviewRows: Row[] = [
  {
    route: "PUT /reviews/{id}",
    method: "PUT",
    path: (f) => `/reviews/${f.reviewId}`,
    body: { rating: 1 },
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 200,
      other: 403,
      otherPublishToken: 403,
      admin: 403,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 403,
      owner: 200,
    },
  },
  {
    route: "PUT /agents/{slug}/reviews/{id}",
    method: "PUT",
    path: (f) => `/agents/${f.slug}/reviews/${f.reviewId}`,
    body: { rating: 1 },
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 200,
      other: 403,
      otherPublishToken: 403,
      admin: 403,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 403,
      owner: 200,
    },
  },
  {
    route: "DELETE /reviews/{id}",
    method: "DELETE",
    path: (f) => `/reviews/${f.reviewId}`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 204,
      other: 403,
      otherPublishToken: 403,
      admin: 204,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 204,
      owner: 204,
    },
  },
  {
    route: "DELETE /agents/{slug}/reviews/{id}",
    method: "DELETE",
    path: (f) => `/agents/${f.slug}/reviews/${f.reviewId}`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 204,
      other: 403,
      otherPublishToken: 403,
      admin: 204,
      adminReadToken: 403,
      adminPublishToken: 403,
      adminAdminToken: 204,
      owner: 204,
    },
  },
  {
    route: "POST /reviews/{id}/helpful",
    method: "POST",
    path: (f) => `/reviews/${f.reviewId}/helpful`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 204,
      other: 204,
      otherPublishToken: 204,
      admin: 204,
      adminReadToken: 403,
      adminPublishToken: 204,
      adminAdminToken: 204,
      owner: 204,
    },
  },
  {
    route: "POST /agents/{slug}/reviews/{id}/helpful",
    method: "POST",
    path: (f) => `/agents/${f.slug}/reviews/${f.reviewId}/helpful`,
    expect: {
      anonymous: 401,
      blocked: 403,
      readToken: 403,
      ownerPublishToken: 204,
      other: 204,
      otherPublishToken: 204,
      admin: 204,
      adminReadToken: 403,
      adminPublishToken: 204,
      adminAdminToken: 204,
      owner: 204,
    },
  },
];

const ROLES: Role[] = [
  "anonymous",
  "blocked",
  "readToken",
  "ownerPublishToken",
  "other",
  "otherPublishToken",
  "admin",
  "adminReadToken",
  "adminPublishToken",
  "adminAdminToken",
  "owner",
];

for (const mode of TEST_MODES) {
  describe(`authorization of agent, star and review routes [${mode}]`, () => {
    const t = useTestApp(mode);
    const tokens = { other: "", otherPublishToken: "", admin: "", adminReadToken: "", adminPublishToken: "", adminAdminToken: "", blocked: "" };

    beforeAll(async () => {
      const other = await makeUser(t.rt.db.db);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      const blocked = await makeUser(t.rt.db.db);
      tokens.other = (await sessionFor(t.rt, other)).access_token;
      tokens.otherPublishToken = await apiTokenFor(t.rt, other, ["publish"]);
      tokens.admin = (await sessionFor(t.rt, admin)).access_token;
      tokens.adminReadToken = await apiTokenFor(t.rt, admin, ["read"]);
      tokens.adminPublishToken = await apiTokenFor(t.rt, admin, ["read", "publish"]);
      tokens.adminAdminToken = await apiTokenFor(t.rt, admin, ["admin"]);
      tokens.blocked = await apiTokenFor(t.rt, blocked, ["read", "publish"]);
      await t.rt.db.db.update(users).set({ isBlocked: true, blockedReason: "spam" }).where(eq(users.id, blocked.id));
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
        agentOwner: await credentialsOf(owner),
        reviewAuthor: await credentialsOf(reviewer),
      };
    }

    async function credentialsOf(user: { id: number }) {
      return {
        session: (await sessionFor(t.rt, user)).access_token,
        read: await apiTokenFor(t.rt, user, ["read"]),
        publish: await apiTokenFor(t.rt, user, ["publish"]),
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
          const token = {
            anonymous: null,
            readToken: owner.read,
            ownerPublishToken: owner.publish,
            owner: owner.session,
            ...tokens,
          }[role];
          seen[role] = await call(row, f, token);
        }
        expect(seen).toEqual(row.expect);
      });
    }

    // (A read token is refused by its tier before any lookup, the same for every slug: no leak.)
    test("on a private agent, everyone but its author and admins gets 404, never 403 (an admin's publish token too)", async () => {
      for (const row of [...rows, ...reviewRows]) {
        for (const who of ["other", "otherPublishToken", "adminPublishToken"] as const) {
          const { fixture: f } = await fixture(false);
          expect({ route: row.route, who, status: await call(row, f, tokens[who]) }).toEqual({ route: row.route, who, status: 404 });
        }
      }
    });

    test("an admin's read or publish token does not see other people's private agents anywhere", async () => {
      const owner = await makeUser(t.rt.db.db);
      const agent = await makeAgent(t.rt.db.db, owner.id, { isPublic: false, name: `Hidden ${owner.id}` });
      for (const who of ["adminReadToken", "adminPublishToken"] as const) {
        const headers = bearer(tokens[who]);
        expect((await t.fetch(`/api/v1/agents/${agent.slug}`, { headers })).status).toBe(404);
        const list = (await (await t.fetch("/api/v1/agents?limit=100", { headers })).json()) as { items: { slug: string }[] };
        expect(list.items.map((a) => a.slug)).not.toContain(agent.slug);
        const byUser = (await (await t.fetch(`/api/v1/users/${owner.username}/agents`, { headers })).json()) as { items: { slug: string }[] };
        expect(byUser.items.map((a) => a.slug)).not.toContain(agent.slug);
        const profile = (await (await t.fetch(`/api/v1/users/${owner.username}`, { headers })).json()) as {
          email: string;
          stats: { agents_published: number };
        };
        expect(profile.stats.agents_published).toBe(0);
        expect(profile.email).not.toBe(owner.email);
      }
      const withScope = bearer(tokens.adminAdminToken);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: withScope })).status).toBe(200);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: bearer(tokens.admin) })).status).toBe(200);
    });
  });
}
