import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agents, agentVersions, storageDeletions, validationResults } from "../db/schema/index.ts";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { makeAgent, makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";

type AdminAgent = { slug: string; storage_key: string | null; category: string; is_public: boolean; is_validated: boolean; name: string };

for (const mode of TEST_MODES) {
  describe(`admin agent routes [${mode}]`, () => {
    const t = useTestApp(mode);
    const who = { admin: "", author: "", other: "" };
    let category = "";

    beforeAll(async () => {
      who.admin = (await sessionFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }))).access_token;
      who.author = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      who.other = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      category = (await makeCategory(t.rt.db.db)).slug;
    });

    test("list shows private agents with their storage key; category filter and limit default 100", async () => {
      const published = await publishViaHttp(t.fetch, who.author, { category, name: "Hidden Admin Agent", is_public: "false" });
      const res = await t.fetch(`/api/v1/admin/agents?category=${category}`, { headers: bearer(who.admin) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { items: AdminAgent[]; total: number };
      expect(body.total).toBe(1);
      const [version] = await t.rt.db.db.select({ key: agentVersions.storageKey }).from(agentVersions).where(eq(agentVersions.agentId, published.id));
      expect(version!.key).toMatch(/^staging\//);
      expect(body.items[0]).toMatchObject({ slug: published.slug, is_public: false, storage_key: version!.key });
      const all = (await (await t.fetch("/api/v1/admin/agents", { headers: bearer(who.admin) })).json()) as { items: unknown[]; total: number };
      expect(all.items.length).toBe(Math.min(all.total, 100));
    });

    test("update: any field of any agent, the category by name, and the storage key of the current version", async () => {
      const published = await publishViaHttp(t.fetch, who.author, { category, name: "Admin Edited Agent" });
      const target = await makeCategory(t.rt.db.db, { name: "Admin Target" });
      const [before] = await t.rt.db.db.select({ key: agentVersions.storageKey }).from(agentVersions).where(eq(agentVersions.agentId, published.id));
      const res = await t.fetch(
        `/api/v1/admin/agents/${published.slug}`,
        jsonInit(
          "PUT",
          { name: "Renamed By Admin", category: "ADMIN TARGET", is_validated: true, is_public: false, storage_key: "https://cdn.example.com/a.zip" },
          bearer(who.admin),
        ),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        name: "Renamed By Admin",
        category: target.slug,
        is_validated: true,
        is_public: false,
        storage_key: "https://cdn.example.com/a.zip",
      });
      // The replaced object is filed for the cleanup job.
      expect(await t.rt.db.db.select().from(storageDeletions).where(eq(storageDeletions.storageKey, before!.key))).toHaveLength(1);

      const bad = await t.fetch(`/api/v1/admin/agents/${published.slug}`, jsonInit("PUT", { storage_key: "../escape" }, bearer(who.admin)));
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(["body", "storage_key"]);
      const noVersion = await makeAgent(t.rt.db.db, (await makeUser(t.rt.db.db)).id);
      expect((await t.fetch(`/api/v1/admin/agents/${noVersion.slug}`, jsonInit("PUT", { storage_key: "agents/x/y.zip" }, bearer(who.admin)))).status).toBe(409);
      expect((await t.fetch("/api/v1/admin/agents/missing-agent", jsonInit("PUT", { name: "Nope" }, bearer(who.admin)))).status).toBe(404);
    });

    test("bulk category move counts what moved, and category agent_count follows exactly", async () => {
      const author = await makeUser(t.rt.db.db);
      const from = await makeCategory(t.rt.db.db);
      const to = await makeCategory(t.rt.db.db);
      const moved = await Promise.all([1, 2, 3].map(() => makeAgent(t.rt.db.db, author.id, { categoryId: from.id })));
      const res = await t.fetch(
        "/api/v1/admin/agents/bulk-category",
        jsonInit("POST", { agent_slugs: [...moved.map((a) => a.slug), "not-an-agent"], new_category: to.slug }, bearer(who.admin)),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ updated: 3 });
      expect(((await (await t.fetch(`/api/v1/categories/${to.slug}`)).json()) as { agent_count: number }).agent_count).toBe(3);
      expect(((await (await t.fetch(`/api/v1/categories/${from.slug}`)).json()) as { agent_count: number }).agent_count).toBe(0);
      const unknown = await t.fetch(
        "/api/v1/admin/agents/bulk-category",
        jsonInit("POST", { agent_slugs: [moved[0]!.slug], new_category: "nowhere" }, bearer(who.admin)),
      );
      expect(unknown.status).toBe(422);
      expect(
        (await t.fetch("/api/v1/admin/agents/bulk-category", jsonInit("POST", { agent_slugs: [], new_category: to.slug }, bearer(who.admin)))).status,
      ).toBe(422);
    });

    test("delete removes any agent (204) and files its archive", async () => {
      const published = await publishViaHttp(t.fetch, who.author, { category, name: "Admin Deleted Agent" });
      const res = await t.fetch(`/api/v1/admin/agents/${published.slug}`, { method: "DELETE", headers: bearer(who.admin) });
      expect(res.status).toBe(204);
      expect(await t.rt.db.db.select().from(agents).where(eq(agents.id, published.id))).toEqual([]);
      expect(await t.rt.db.db.select().from(storageDeletions).where(eq(storageDeletions.reason, "agent_deleted"))).not.toHaveLength(0);
    });

    test("revalidate puts the version back to pending, drops its old results and queues the job (202)", async () => {
      const published = await publishViaHttp(t.fetch, who.author, { category, name: "Revalidated Agent" });
      const versionId = published.versions[0]!.id;
      await t.rt.db.db.update(agentVersions).set({ validationStatus: "failed", tested: true }).where(eq(agentVersions.id, versionId));
      await t.rt.db.db.insert(validationResults).values({ versionId, checkName: "archive", status: "failed", summary: "bad" });
      const waiting = (await t.rt.queue.stats()).default.waiting;
      const res = await t.fetch(`/api/v1/admin/agents/${published.slug}/revalidate`, jsonInit("POST", {}, bearer(who.admin)));
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ agent_slug: published.slug, version: "1.0.0", validation_status: "pending", message: "Validation queued" });
      expect((await t.rt.queue.stats()).default.waiting).toBe(waiting + 1);
      const [version] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.id, versionId));
      expect(version).toMatchObject({ validationStatus: "pending", tested: false });
      expect(await t.rt.db.db.select().from(validationResults).where(eq(validationResults.versionId, versionId))).toEqual([]);
      expect((await t.fetch(`/api/v1/admin/agents/${published.slug}/revalidate`, jsonInit("POST", { version: "7.7.7" }, bearer(who.admin)))).status).toBe(404);
    });

    test("the admin routes refuse the agent's own author (403) and anonymous callers (401)", async () => {
      const published = await publishViaHttp(t.fetch, who.author, { category, name: "Guarded Agent" });
      for (const [method, path, body] of [
        ["GET", "/api/v1/admin/agents", undefined],
        ["PUT", `/api/v1/admin/agents/${published.slug}`, { name: "Hijacked" }],
        ["DELETE", `/api/v1/admin/agents/${published.slug}`, undefined],
        ["POST", "/api/v1/admin/agents/bulk-category", { agent_slugs: [published.slug], new_category: category }],
        ["POST", `/api/v1/admin/agents/${published.slug}/revalidate`, {}],
      ] as const) {
        const init = body === undefined ? { method } : jsonInit(method, body);
        expect((await t.fetch(path, init)).status).toBe(401);
        const refused = await t.fetch(path, body === undefined ? { method, headers: bearer(who.author) } : jsonInit(method, body, bearer(who.author)));
        expect(refused.status).toBe(403);
        expect(await refused.json()).toEqual({ error: "forbidden", detail: "Admin access required" });
      }
    });
  });
}
