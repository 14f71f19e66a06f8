import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agents, agentVersions } from "../db/schema/index.ts";
import { systemContextOf } from "../src/runtime.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { addVersionViaHttp, publishViaHttp } from "../src/testing/uploads.ts";
import { sampleAgentZip } from "../src/testing/zip.ts";

type Summary = {
  slug: string;
  name: string;
  stars: number;
  rating: number;
  downloads: number;
  category: string;
  validation_status: string;
  versions?: unknown[];
};
type Page = { items: Summary[]; total: number };

/**
 * Cached answers are never stale after a write: for every write route, read (which fills the
 * cache), write, and read again at once. The first test shows the cache really answers: a row
 * changed behind the services' back stays invisible until a write route invalidates.
 */
for (const mode of TEST_MODES) {
  describe(`cached answers after writes [${mode}]`, () => {
    const t = useTestApp(mode);
    const tokens = { author: "", other: "", admin: "" };
    const categories = { first: "", second: "" };
    let counter = 0;

    beforeAll(async () => {
      const db = t.rt.db.db;
      // Active users: a first sign-in after a long absence bumps the catalog (for /stats), which would hide what these tests look for.
      const lastActiveAt = new Date();
      tokens.author = (await sessionFor(t.rt, await makeUser(db, { lastActiveAt }))).access_token;
      tokens.other = (await sessionFor(t.rt, await makeUser(db, { lastActiveAt }))).access_token;
      tokens.admin = (await sessionFor(t.rt, await makeUser(db, { role: "admin", lastActiveAt }))).access_token;
      categories.first = (await makeCategory(db)).slug;
      categories.second = (await makeCategory(db)).slug;
    });

    const get = async <T>(path: string, token?: string): Promise<T> => {
      const res = await t.fetch(`/api/v1${path}`, { headers: token ? bearer(token) : {} });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      return (await res.json()) as T;
    };
    const status = async (path: string) => (await t.fetch(`/api/v1${path}`)).status;
    const send = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await t.fetch(`/api/v1${path}`, body === undefined ? { method, headers: bearer(token) } : jsonInit(method, body, bearer(token)));
      expect({ method, path, ok: res.ok }).toEqual({ method, path, ok: true });
      return res;
    };
    const publish = async (extra: { is_public?: string } = {}) => {
      const name = `Cachewatch ${mode} ${++counter} Agent`;
      const agent = await publishViaHttp(t.fetch, tokens.author, { name, category: categories.first, ...extra });
      return { name, slug: agent.slug, id: agent.id };
    };
    const searchSlugs = async (q: string, token?: string) =>
      (await get<Page>(`/search/agents?q=${encodeURIComponent(q)}&limit=100`, token)).items.map((a) => a.slug);
    const detail = (slug: string) => get<Summary>(`/agents/${slug}`);

    test("answers come from the cache until a write route invalidates them", async () => {
      const agent = await publish();
      expect((await detail(agent.slug)).name).toBe(agent.name);
      await t.rt.db.db.update(agents).set({ name: "Renamed Behind The Back" }).where(eq(agents.id, agent.id));
      expect((await detail(agent.slug)).name).toBe(agent.name);
      // Stars only refresh the counts of cached answers; a change of the agent itself invalidates them.
      await send("POST", `/agents/${agent.slug}/star`, tokens.other);
      expect(await detail(agent.slug)).toMatchObject({ name: agent.name, stars: 1 });
      await send("PATCH", `/agents/${agent.slug}`, tokens.author, { description: "Described again" });
      expect((await detail(agent.slug)).name).toBe("Renamed Behind The Back");
    });

    test("a download does not evict a cached search, and the search shows the new count at once", async () => {
      const agent = await publish();
      const other = await publish();
      const search = async () => (await get<Page>(`/search/agents?q=Cachewatch&limit=100`)).items;
      const found = await search();
      expect(found.find((a) => a.slug === agent.slug)?.downloads).toBe(0);
      await get<Page>(`/agents?sort=downloads&limit=100`);
      // Changed behind the services' back: still the old name below proves the search was not recomputed.
      await t.rt.db.db.update(agents).set({ name: "Renamed Behind The Back" }).where(eq(agents.id, agent.id));
      for (const slug of [agent.slug, agent.slug, other.slug]) expect((await t.fetch(`/api/v1/agents/${slug}/download-url`)).status).toBe(200);
      await t.rt.downloads.flush();
      const after = await search();
      expect(after.map((a) => a.slug)).toEqual(found.map((a) => a.slug));
      expect(after.find((a) => a.slug === agent.slug)).toMatchObject({ name: agent.name, downloads: 2 });
      expect(after.find((a) => a.slug === other.slug)?.downloads).toBe(1);
      // Signed-in users without private agents share the public answer, counts included.
      expect((await get<Page>(`/search/agents?q=Cachewatch&limit=100`, tokens.other)).items.find((a) => a.slug === agent.slug)).toMatchObject({
        name: agent.name,
        downloads: 2,
      });
      // A list sorted by downloads is ordered by them: it is recomputed, not refreshed.
      const byDownloads = await get<Page>(`/agents?sort=downloads&limit=100`);
      expect(byDownloads.items.find((a) => a.slug === agent.slug)?.name).toBe("Renamed Behind The Back");
    });

    test("a cached answer is the same bytes and ETag as the computed one, and If-None-Match gets 304", async () => {
      const agent = await publish();
      const paths = [`/agents/${agent.slug}`, "/agents?limit=7", "/categories", `/search/agents?q=${encodeURIComponent(agent.name)}`];
      for (const path of paths) {
        const origin = { headers: { origin: "http://localhost:3000" } };
        const first = await t.fetch(`/api/v1${path}`, origin);
        const second = await t.fetch(`/api/v1${path}`, origin);
        const etag = second.headers.get("etag");
        expect({ path, etag: first.headers.get("etag"), type: second.headers.get("content-type"), vary: second.headers.get("vary") }).toEqual({
          path,
          etag,
          type: first.headers.get("content-type"),
          vary: first.headers.get("vary"),
        });
        expect(await second.text()).toBe(await first.text());
        // The host's headers are on a cached answer too, and are its own.
        for (const name of ["x-request-id", "x-ratelimit-limit", "access-control-allow-origin"])
          expect({ path, name, present: second.headers.has(name) }).toEqual({ path, name, present: first.headers.has(name) });
        expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
        expect(second.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
        const conditional = await t.fetch(`/api/v1${path}`, { headers: { "if-none-match": etag! } });
        expect({ path, status: conditional.status, body: await conditional.text() }).toEqual({ path, status: 304, body: "" });
      }
    });

    const countIn = async (slug: string) => {
      const list = await get<{ categories: { slug: string; agent_count: number }[] }>("/categories");
      const one = await get<{ agent_count: number }>(`/categories/${slug}`);
      const inList = list.categories.find((c) => c.slug === slug)!.agent_count;
      expect({ slug, inList }).toEqual({ slug, inList: one.agent_count });
      return inList;
    };

    test("a list's count is cached once for all its pages and sorts, and a write moves it at once", async () => {
      const total = async (path: string, token?: string) => (await get<Page>(path, token)).total;
      const hidden = await publish();
      const first = await total("/agents?limit=1");
      const inCategory = await total(`/categories/${categories.first}/agents?limit=1`);
      // Hidden behind the services' back: pages not read before (another offset, another sort)
      // still show the cached count, because it is not computed again.
      await t.rt.db.db.update(agents).set({ isPublic: false }).where(eq(agents.id, hidden.id));
      expect(await total("/agents?limit=2&offset=1&sort=stars")).toBe(first);
      expect(await total(`/categories/${categories.first}/agents?limit=2&offset=1&sort=created_at`)).toBe(inCategory);
      // A write route invalidates: counted again, without the hidden agent and with the new one.
      const agent = await publish();
      expect(await total("/agents?limit=1")).toBe(first);
      expect(await total("/agents?limit=3&offset=2&sort=stars")).toBe(first);
      expect(await total(`/categories/${categories.first}/agents?limit=1`)).toBe(inCategory);
      await send("PATCH", `/agents/${agent.slug}`, tokens.author, { is_public: false });
      expect(await total("/agents?limit=1")).toBe(first - 1);
      // The author sees both private agents: each viewer's count is their own.
      expect(await total("/agents?limit=1", tokens.author)).toBe(first + 1);
    });

    test("publish: the new agent is in lists, search, suggestions, its category and /stats at once", async () => {
      const before = await get<{ agents: { total: number } }>("/stats");
      const counted = await countIn(categories.first);
      const lists = ["/agents?limit=100", `/categories/${categories.first}/agents?limit=100`, "/search/agents?limit=100"];
      for (const path of lists) await get(path);
      await get(`/search/suggestions?q=Cachewatch`);
      const agent = await publish();
      for (const path of lists) expect({ path, found: (await get<Page>(path)).items.some((a) => a.slug === agent.slug) }).toEqual({ path, found: true });
      expect(await searchSlugs(agent.name)).toContain(agent.slug);
      expect((await get<{ suggestions: string[] }>(`/search/suggestions?q=Cachewatch`)).suggestions).toContain(agent.name);
      expect((await get<{ agents: { total: number } }>("/stats")).agents.total).toBe(before.agents.total + 1);
      expect(await countIn(categories.first)).toBe(counted + 1);

      await detail(agent.slug);
      await addVersionViaHttp(t.fetch, tokens.author, agent.slug, "2.0.0", sampleAgentZip("v2"));
      expect((await detail(agent.slug)).versions).toHaveLength(2);
    });

    test("update (PUT and PATCH) and delete", async () => {
      const agent = await publish();
      expect(await searchSlugs("Zeppelin")).toEqual([]);
      await detail(agent.slug);
      await send("PUT", `/agents/${agent.slug}`, tokens.author, { name: "Zeppelin Tracker" });
      expect(await searchSlugs("Zeppelin")).toEqual([agent.slug]);
      expect((await detail(agent.slug)).name).toBe("Zeppelin Tracker");

      expect((await get<Page>("/agents?limit=100")).items.some((a) => a.slug === agent.slug)).toBe(true);
      const counted = await countIn(categories.first);
      await send("PATCH", `/agents/${agent.slug}`, tokens.author, { is_public: false });
      expect(await countIn(categories.first)).toBe(counted - 1);
      expect((await get<Page>("/agents?limit=100")).items.some((a) => a.slug === agent.slug)).toBe(false);
      expect(await searchSlugs("Zeppelin")).toEqual([]);
      expect(await searchSlugs("Zeppelin", tokens.author)).toEqual([agent.slug]);
      expect(await status(`/agents/${agent.slug}`)).toBe(404);

      await send("DELETE", `/agents/${agent.slug}`, tokens.author);
      expect(await searchSlugs("Zeppelin", tokens.author)).toEqual([]);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: bearer(tokens.author) })).status).toBe(404);
    });

    test("star and unstar", async () => {
      const agent = await publish();
      const stars = async () => [(await detail(agent.slug)).stars, (await get<Page>(`/search/agents?q=${encodeURIComponent(agent.name)}`)).items[0]!.stars];
      expect(await stars()).toEqual([0, 0]);
      await send("POST", `/agents/${agent.slug}/star`, tokens.other);
      expect(await stars()).toEqual([1, 1]);
      await send("DELETE", `/agents/${agent.slug}/star`, tokens.other);
      expect(await stars()).toEqual([0, 0]);
    });

    test("review create, update and delete", async () => {
      const agent = await publish();
      const rated = async () =>
        (await searchSlugs(agent.name)).length > 0 && (await get<Page>(`/search/agents?q=${encodeURIComponent(agent.name)}&min_rating=3`)).items.length > 0;
      expect((await detail(agent.slug)).rating).toBe(0);
      expect(await rated()).toBe(false);
      const review = (await (await send("POST", `/agents/${agent.slug}/reviews`, tokens.other, { rating: 4 })).json()) as { id: number };
      expect((await detail(agent.slug)).rating).toBe(4);
      expect(await rated()).toBe(true);
      await send("PUT", `/reviews/${review.id}`, tokens.other, { rating: 2 });
      expect((await detail(agent.slug)).rating).toBe(2);
      expect(await rated()).toBe(false);
      await send("DELETE", `/reviews/${review.id}`, tokens.other);
      expect((await detail(agent.slug)).rating).toBe(0);
    });

    test("admin: move to another category, edit, revalidate and delete", async () => {
      const agent = await publish();
      const inSecond = async () => (await get<Page>(`/categories/${categories.second}/agents?limit=100`)).items.some((a) => a.slug === agent.slug);
      expect(await inSecond()).toBe(false);
      expect((await detail(agent.slug)).category).toBe(categories.first);
      const counted = [await countIn(categories.first), await countIn(categories.second)];
      await send("POST", "/admin/agents/bulk-category", tokens.admin, { agent_slugs: [agent.slug], new_category: categories.second });
      expect(await inSecond()).toBe(true);
      expect([await countIn(categories.first), await countIn(categories.second)]).toEqual([counted[0]! - 1, counted[1]! + 1]);
      expect((await detail(agent.slug)).category).toBe(categories.second);
      expect((await get<Page>(`/search/agents?q=${encodeURIComponent(agent.name)}&category=${categories.second}`)).items).toHaveLength(1);

      const popular = async () => (await get<{ items: Summary[] }>("/popular?limit=50")).items.some((a) => a.slug === agent.slug);
      expect(await popular()).toBe(false);
      await send("PUT", `/admin/agents/${agent.slug}`, tokens.admin, { is_validated: true, name: "Admin Named Agent" });
      expect(await popular()).toBe(true);
      expect((await detail(agent.slug)).name).toBe("Admin Named Agent");

      await send("DELETE", `/admin/agents/${agent.slug}`, tokens.admin);
      expect(await popular()).toBe(false);
      expect(await countIn(categories.second)).toBe(counted[1]!);
      expect(await status(`/agents/${agent.slug}`)).toBe(404);
    });

    test("a validation outcome and a recorded download show at once", async () => {
      const agent = await publish();
      const [version] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id));
      // An external archive is never fetched: validation ends at once with "error".
      await t.rt.db.db.update(agentVersions).set({ storageKey: "https://example.com/agent.zip" }).where(eq(agentVersions.id, version!.id));
      await send("POST", `/admin/agents/${agent.slug}/revalidate`, tokens.admin, {});
      expect((await detail(agent.slug)).validation_status).toBe("pending");
      await validateStoredVersion(systemContextOf(t.rt), version!.id);
      expect((await detail(agent.slug)).validation_status).toBe("error");

      const downloadsOf = async () => [
        (await detail(agent.slug)).downloads,
        (await get<{ downloads: { total: number } }>(`/agents/${agent.slug}/stats`)).downloads.total,
      ];
      expect(await downloadsOf()).toEqual([0, 0]);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}/download-url`)).status).toBe(200);
      await t.rt.downloads.flush();
      expect(await downloadsOf()).toEqual([1, 1]);
    });
  });
}
