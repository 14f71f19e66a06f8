import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agents, agentVersions, storageDeletions, validationResults } from "../db/schema/index.ts";
import { refreshCurrentVersion } from "../src/services/agents/versions.ts";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeAgent, makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { addVersionViaHttp, publishViaHttp } from "../src/testing/uploads.ts";
import { sampleAgentZip } from "../src/testing/zip.ts";

type Page = { items: { slug: string }[]; total: number; limit: number; offset: number; has_more: boolean };

for (const mode of TEST_MODES) {
  describe(`agents [${mode}]`, () => {
    const t = useTestApp(mode);
    const ctx = { token: "", category: "", user: { id: 0, username: "", role: "user" as "user" | "admin" } };

    beforeAll(async () => {
      const user = await makeUser(t.rt.db.db);
      ctx.user = user;
      ctx.token = (await sessionFor(t.rt, user)).access_token;
      ctx.category = (await makeCategory(t.rt.db.db)).slug;
    });

    test("list: page shape, category filter and every sort, ties broken by id", async () => {
      const author = await makeUser(t.rt.db.db);
      const category = await makeCategory(t.rt.db.db);
      const made = [
        await makeAgent(t.rt.db.db, author.id, { categoryId: category.id, name: "Bravo", downloads: 5, stars: 1, ratingSum: 4, reviewCount: 1 }),
        await makeAgent(t.rt.db.db, author.id, { categoryId: category.id, name: "Alpha", downloads: 9, stars: 3, ratingSum: 9, reviewCount: 3 }),
        await makeAgent(t.rt.db.db, author.id, { categoryId: category.id, name: "Charlie", downloads: 9, stars: 2, ratingSum: 5, reviewCount: 1 }),
      ];
      const slugsOf = async (query: string) => {
        const res = await t.fetch(`/api/v1/agents?category=${category.slug}&${query}`);
        expect(res.status).toBe(200);
        return ((await res.json()) as Page).items.map((a) => a.slug);
      };
      const [bravo, alpha, charlie] = made.map((a) => a.slug) as [string, string, string];
      expect(await slugsOf("")).toEqual([charlie, alpha, bravo]);
      expect(await slugsOf("sort=downloads")).toEqual([alpha, charlie, bravo]);
      expect(await slugsOf("sort=stars")).toEqual([alpha, charlie, bravo]);
      expect(await slugsOf("sort=rating")).toEqual([charlie, bravo, alpha]);
      expect(await slugsOf("sort=name")).toEqual([alpha, bravo, charlie]);

      const page = (await (await t.fetch(`/api/v1/agents?category=${category.slug}&limit=2&offset=1`)).json()) as Page;
      expect(page).toMatchObject({ total: 3, limit: 2, offset: 1, has_more: false });
      expect(page.items).toHaveLength(2);
      const viaCategory = (await (await t.fetch(`/api/v1/categories/${category.slug}/agents?sort=name`)).json()) as Page;
      expect(viaCategory.items.map((a) => a.slug)).toEqual([alpha, bravo, charlie]);
      expect((await t.fetch("/api/v1/categories/no-such-category/agents")).status).toBe(404);
      expect((await t.fetch("/api/v1/agents?limit=101")).status).toBe(422);
      expect((await t.fetch("/api/v1/agents?sort=popularity")).status).toBe(422);
    });

    test("detail: the summary fields, numbers as numbers, versions newest semver first; 404 wording", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Detail Agent", version: "1.0.0-alpha.2" });
      for (const version of ["1.0.0-alpha.10", "1.0.0", "0.9.0"]) await addVersionViaHttp(t.fetch, ctx.token, agent.slug, version, sampleAgentZip(version));
      const res = await t.fetch(`/api/v1/agents/${agent.slug}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown> & { versions: { version: string }[] };
      expect(body.versions.map((v) => v.version)).toEqual(["1.0.0", "1.0.0-alpha.10", "1.0.0-alpha.2", "0.9.0"]);
      expect(body).toMatchObject({ current_version: "1.0.0", validation_status: "pending", rating: 0, category: ctx.category });
      expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const missing = await t.fetch("/api/v1/agents/not-here");
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: "not_found", detail: "Agent 'not-here' not found" });
    });

    test("versions list and detail, and the pending validation report", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Versions Agent", version: "2.0.0" });
      await addVersionViaHttp(t.fetch, ctx.token, agent.slug, "2.1.0", sampleAgentZip("2.1.0"));
      const list = (await (await t.fetch(`/api/v1/agents/${agent.slug}/versions`)).json()) as {
        items: { version: string }[];
        versions: unknown[];
        total: number;
      };
      expect(list.items.map((v) => v.version)).toEqual(["2.1.0", "2.0.0"]);
      expect(list.versions).toEqual(list.items);
      expect(list.total).toBe(2);

      const one = await t.fetch(`/api/v1/agents/${agent.slug}/versions/2.0.0`);
      expect(await one.json()).toMatchObject({
        version: "2.0.0",
        tested: false,
        security_scan_passed: false,
        quality_score: null,
        validation_status: "pending",
      });
      expect((await t.fetch(`/api/v1/agents/${agent.slug}/versions/9.9.9`)).status).toBe(404);

      const report = await t.fetch(`/api/v1/agents/${agent.slug}/validation`);
      expect(await report.json()).toEqual({
        agent_slug: agent.slug,
        version: "2.1.0",
        status: "pending",
        started_at: null,
        finished_at: null,
        duration_ms: null,
        checks: [],
      });
    });

    test("a finished validation run shows its checks in pipeline order", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Validated Agent" });
      const versionId = agent.versions[0]!.id;
      const started = new Date("2026-11-25T10:00:00.000Z");
      await t.rt.db.db
        .update(agentVersions)
        .set({ validationStatus: "passed", validationStartedAt: started, validationFinishedAt: new Date(started.getTime() + 1500) })
        .where(eq(agentVersions.id, versionId));
      await t.rt.db.db.insert(validationResults).values([
        { versionId, checkName: "quality", status: "passed", durationMs: 20, summary: "ok", score: 0.9 },
        { versionId, checkName: "archive", status: "passed", durationMs: 5, summary: "3 files", issues: [{ severity: "low", code: "A1", message: "note" }] },
      ]);
      await refreshCurrentVersion(t.rt.db.db, agent.id);
      const report = (await (await t.fetch(`/api/v1/agents/${agent.slug}/validation?version=1.0.0`)).json()) as Record<string, unknown> & {
        checks: Record<string, unknown>[];
      };
      expect(report).toMatchObject({ status: "passed", started_at: started.toISOString(), duration_ms: 1500 });
      expect(report.checks).toEqual([
        { name: "archive", status: "passed", duration_ms: 5, summary: "3 files", issues: [{ severity: "low", code: "A1", message: "note" }], issues_total: 1 },
        { name: "quality", status: "passed", duration_ms: 20, summary: "ok", score: 0.9, issues: [], issues_total: 0 },
      ]);
    });

    test("PUT and PATCH (JSON) change the agent for its author; a category moves with it", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Editable Agent" });
      const other = await makeCategory(t.rt.db.db, { name: "Other Place" });
      const put = await t.fetch(
        `/api/v1/agents/${agent.slug}`,
        jsonInit("PUT", { name: "Edited Agent", category: "other place", unknown_field: 1 }, bearer(ctx.token)),
      );
      expect(put.status).toBe(200);
      expect(await put.json()).toMatchObject({ name: "Edited Agent", slug: agent.slug, category: other.slug });
      const patch = await t.fetch(`/api/v1/agents/${agent.slug}`, jsonInit("PATCH", { is_public: false }, bearer(ctx.token)));
      expect(await patch.json()).toMatchObject({ is_public: false, name: "Edited Agent" });
      const uncategorized = await t.caller(actorFor(ctx.user)).agents.patch({ slug: agent.slug, category: "uncategorized" });
      expect(uncategorized.category).toBe("uncategorized");
      await expect(t.caller(actorFor(ctx.user)).agents.patch({ slug: agent.slug, category: "nowhere" })).rejects.toMatchObject({
        code: "UNPROCESSABLE_CONTENT",
      });
    });

    test("DELETE removes the agent and files its archives for the cleanup job", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Doomed Agent" });
      const [version] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id));
      const res = await t.fetch(`/api/v1/agents/${agent.slug}`, { method: "DELETE", headers: bearer(ctx.token) });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
      expect(await t.rt.db.db.select().from(agents).where(eq(agents.id, agent.id))).toEqual([]);
      const [queued] = await t.rt.db.db.select().from(storageDeletions).where(eq(storageDeletions.storageKey, version!.storageKey));
      expect(queued).toMatchObject({ reason: "agent_deleted" });
      expect(queued!.notBefore.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}`)).status).toBe(404);
    });

    test("GET answers carry an ETag; If-None-Match gives 304 until the agent changes", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Etag Agent" });
      const first = await t.fetch(`/api/v1/agents/${agent.slug}`);
      const etag = first.headers.get("etag")!;
      expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
      const same = await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: { "if-none-match": etag } });
      expect(same.status).toBe(304);
      expect(await same.text()).toBe("");
      await t.fetch(`/api/v1/agents/${agent.slug}`, jsonInit("PATCH", { description: "A description that changed" }, bearer(ctx.token)));
      const changed = await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: { "if-none-match": etag } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(etag);
    });

    test("stats and analytics: 30 zero-filled days from the download events", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Stats Agent" });
      for (let i = 0; i < 3; i++) await (await t.fetch(`/api/v1/agents/${agent.slug}/download`)).arrayBuffer();
      await t.caller(actorFor(await makeUser(t.rt.db.db))).stars.star({ slug: agent.slug });
      await t.rt.downloads.flush();
      const today = new Date().toISOString().slice(0, 10);
      const stats = (await (await t.fetch(`/api/v1/agents/${agent.slug}/stats`)).json()) as {
        downloads: { total: number; last_30_days: number; daily: { date: string; count: number }[] };
        stars: unknown;
        reviews: unknown;
      };
      expect(stats.downloads.total).toBe(3);
      expect(stats.downloads.last_30_days).toBe(3);
      expect(stats.downloads.daily).toHaveLength(30);
      expect(stats.downloads.daily.at(-1)).toEqual({ date: today, count: 3 });
      expect(stats.downloads.daily[0]!.count).toBe(0);
      expect(stats.stars).toEqual({ total: 1, last_30_days: 1 });
      expect(stats.reviews).toEqual({ count: 0, average_rating: 0 });

      const analytics = (await (await t.fetch(`/api/v1/agents/${agent.slug}/analytics`)).json()) as Record<string, unknown> & {
        daily_downloads: { date: string; downloads: number }[];
      };
      expect(analytics).toMatchObject({ agent_id: agent.id, agent_slug: agent.slug, total_downloads: 3, total_stars: 1, average_rating: 0, review_count: 0 });
      expect(analytics.daily_downloads.at(-1)).toEqual({ date: `${today}T00:00:00.000Z`, downloads: 3 });
    });
  });
}
