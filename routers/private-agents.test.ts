import { describe, expect, test } from "bun:test";
import { restRoutes } from "../src/http/rest.ts";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { multipartInit, publishViaHttp } from "../src/testing/uploads.ts";
import { sampleAgentZip } from "../src/testing/zip.ts";

/**
 * A private agent exists only for its author and admins: for anyone else it is absent from every
 * list, search, count, profile stat and category count, and every route that names it is a 404.
 */
const hasRoute = (method: string, template: string) => restRoutes.some((r) => r.method === method && r.template === template);
/** The agent and download numbers of /stats; its user numbers move as the test's users become active. */
const catalogPart = (stats: unknown): unknown => {
  const { agents, downloads } = stats as { agents: unknown; downloads: unknown };
  return { agents, downloads };
};

for (const mode of TEST_MODES) {
  describe(`private agents do not leak [${mode}]`, () => {
    const t = useTestApp(mode);

    test("absent from lists, counts, stats and searches seen by others; 404 on every route", async () => {
      const author = await makeUser(t.rt.db.db);
      const authorToken = (await sessionFor(t.rt, author)).access_token;
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      const adminToken = (await sessionFor(t.rt, admin)).access_token;
      const otherToken = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      const category = await makeCategory(t.rt.db.db);
      const name = `Secret Leak Probe ${mode}`;
      const viewers = { anonymous: {}, other: bearer(otherToken) } as const;
      const get = async (path: string, headers: Record<string, string>) => t.fetch(`/api/v1${path}`, { headers });

      // Numbers others see before the private agent exists.
      const before: Record<string, number | unknown> = {};
      for (const [who, headers] of Object.entries(viewers)) {
        before[`${who} agents`] = ((await (await get("/agents?limit=1", headers)).json()) as { total: number }).total;
        if (hasRoute("GET", "/stats")) before[`${who} stats`] = catalogPart(await (await get("/stats", headers)).json());
      }

      const hidden = await publishViaHttp(t.fetch, authorToken, { category: category.slug, name, is_public: "false", code: sampleAgentZip("secret") });
      await t.caller(actorFor(author)).stars.star({ slug: hidden.slug });
      await t.caller(actorFor(admin, ["read", "publish", "admin"])).reviews.create({ slug: hidden.slug, rating: 5, comment: "admin-only review" });
      await t.fetch(`/api/v1/agents/${hidden.slug}/download`, { headers: bearer(authorToken) }).then((r) => r.arrayBuffer());
      await t.rt.downloads.flush();

      for (const [who, headers] of Object.entries(viewers)) {
        const label = (what: string) => `${who}: ${what}`;
        const text = async (path: string) => (await get(path, headers)).text();
        const total: unknown = ((await (await get("/agents?limit=1", headers)).json()) as { total: number }).total;
        expect({ [label("agents total")]: total }).toEqual({ [label("agents total")]: before[`${who} agents`] });
        for (const path of [
          "/agents?limit=100",
          "/agents?limit=100&sort=name",
          `/agents?category=${category.slug}`,
          `/categories/${category.slug}/agents`,
          `/users/${author.username}/agents`,
          `/users/${author.username}/starred`,
          `/users/${admin.username}/reviews`,
        ]) {
          expect({ path: label(path), leaks: (await text(path)).includes(hidden.slug) }).toEqual({ path: label(path), leaks: false });
        }
        const categories = (await (await get("/categories", headers)).json()) as { categories: { slug: string; agent_count: number }[] };
        expect(categories.categories.find((c) => c.slug === category.slug)?.agent_count).toBe(0);
        expect(((await (await get(`/categories/${category.slug}`, headers)).json()) as { agent_count: number }).agent_count).toBe(0);
        const profile = (await (await get(`/users/${author.username}`, headers)).json()) as { stats: Record<string, number> };
        expect(profile.stats).toEqual({ agents_published: 0, total_downloads: 0, total_stars: 0 });
        if (hasRoute("GET", "/stats")) expect(catalogPart(await (await get("/stats", headers)).json())).toEqual(before[`${who} stats`]);
        for (const search of ["/search?q=Secret", "/search/agents?q=Secret", "/search/suggestions?q=Secret"]) {
          if (!hasRoute("GET", search.split("?")[0]!)) continue;
          expect({ path: label(search), leaks: (await text(search)).includes(hidden.slug) || (await text(search)).includes(name) }).toEqual({
            path: label(search),
            leaks: false,
          });
        }
        for (const path of [
          "",
          "/versions",
          "/versions/1.0.0",
          "/validation",
          "/download",
          "/download/1.0.0",
          "/download-url",
          "/download-url/1.0.0",
          "/stats",
          "/analytics",
          "/reviews",
        ]) {
          expect({ path: label(path), status: (await get(`/agents/${hidden.slug}${path}`, headers)).status }).toEqual({ path: label(path), status: 404 });
        }
      }

      // Writes by a stranger are 404 too, including a new version.
      const stranger = bearer(otherToken);
      expect((await t.fetch(`/api/v1/agents/${hidden.slug}/star`, { method: "POST", headers: stranger })).status).toBe(404);
      expect((await t.fetch(`/api/v1/agents/${hidden.slug}/reviews`, jsonInit("POST", { rating: 1 }, stranger))).status).toBe(404);
      expect((await t.fetch(`/api/v1/agents/${hidden.slug}`, jsonInit("PUT", { name: "Taken Over" }, stranger))).status).toBe(404);
      const version = [
        { name: "version", value: "2.0.0" },
        { name: "code", value: sampleAgentZip(), filename: "a.zip" },
      ];
      expect((await t.fetch(`/api/v1/agents/${hidden.slug}/versions`, multipartInit("POST", version, stranger))).status).toBe(404);
      await expect(t.caller().agents.get({ slug: hidden.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });

      // The author and admins still see everything.
      for (const token of [authorToken, adminToken]) {
        expect((await get(`/agents/${hidden.slug}`, bearer(token))).status).toBe(200);
        expect(await (await get(`/users/${author.username}/agents`, bearer(token))).text()).toContain(hidden.slug);
        expect(((await (await get(`/users/${author.username}`, bearer(token))).json()) as { stats: Record<string, number> }).stats).toEqual({
          agents_published: 1,
          total_downloads: 1,
          total_stars: 1,
        });
      }
    }, 30_000);
  });
}
