import { describe, expect, test } from "bun:test";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { actorFor, makeAgent, makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";

for (const mode of TEST_MODES) {
  describe(`categories [${mode}]`, () => {
    const t = useTestApp(mode);
    const admin = () => makeUser(t.rt.db.db, { role: "admin" }).then((u) => actorFor(u, ["read", "publish", "admin"]));

    test("list is ordered by name and counts only public agents", async () => {
      const author = await makeUser(t.rt.db.db);
      const zeta = await makeCategory(t.rt.db.db, { name: "Zeta tools", slug: "zeta-tools" });
      await makeCategory(t.rt.db.db, { name: "Alpha tools", slug: "alpha-tools" });
      await makeAgent(t.rt.db.db, author.id, { categoryId: zeta.id, isPublic: true });
      await makeAgent(t.rt.db.db, author.id, { categoryId: zeta.id, isPublic: true });
      await makeAgent(t.rt.db.db, author.id, { categoryId: zeta.id, isPublic: false });

      const res = await t.fetch("/api/v1/categories");
      expect(res.status).toBe(200);
      const body = (await res.json()) as { categories: { slug: string; agent_count: number }[]; items: unknown[] };
      const slugs = body.categories.map((c) => c.slug);
      expect(slugs.indexOf("alpha-tools")).toBeLessThan(slugs.indexOf("zeta-tools"));
      expect(body.items).toEqual(body.categories);
      expect(body.categories.find((c) => c.slug === "zeta-tools")?.agent_count).toBe(2);
    });

    test("get answers the category, and 404 with the contract body for an unknown slug", async () => {
      await makeCategory(t.rt.db.db, { name: "Data", slug: "data", icon: "chart" });
      const ok = await t.fetch("/api/v1/categories/data");
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ name: "Data", slug: "data", icon: "chart", description: null, agent_count: 0 });

      const missing = await t.fetch("/api/v1/categories/no-such-thing");
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: "not_found", detail: "Category 'no-such-thing' not found" });
    });

    test("a path parameter that is too long is a 422 located in the path", async () => {
      const res = await t.fetch(`/api/v1/categories/${"x".repeat(101)}`);
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: string; detail: { loc: string[]; msg: string; type: string }[] };
      expect(body.error).toBe("validation_error");
      expect(body.detail[0]?.loc).toEqual(["path", "slug"]);
    });

    test("admin routes: anonymous 401 with WWW-Authenticate, unknown token 401", async () => {
      const anon = await t.fetch("/api/v1/admin/categories", jsonInit("POST", { name: "X", slug: "x" }));
      expect(anon.status).toBe(401);
      expect(anon.headers.get("www-authenticate")).toBe("Bearer");
      expect(((await anon.json()) as { error: string }).error).toBe("unauthorized");

      const bogus = await t.fetch("/api/v1/admin/categories/x", jsonInit("PUT", { name: "Y" }, { authorization: "Bearer nope" }));
      expect(bogus.status).toBe(401);
      const del = await t.fetch("/api/v1/admin/categories/x", { method: "DELETE" });
      expect(del.status).toBe(401);
    });

    test("a non-admin user is refused with 403 Admin access required", async () => {
      const user = await makeUser(t.rt.db.db);
      const caller = t.caller(actorFor(user));
      await expect(caller.categories.create({ name: "Nope", slug: "nope" })).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: "Admin access required",
      });
      await expect(caller.categories.delete({ slug: "nope" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    });

    test("create, conflict on slug or case-insensitive name, update, delete", async () => {
      const caller = t.caller(await admin());
      const created = await caller.categories.create({ name: "Web Scraping", slug: "web-scraping", icon: "spider", description: "Crawl" });
      expect(created).toMatchObject({ name: "Web Scraping", slug: "web-scraping", icon: "spider", agent_count: 0 });

      await expect(caller.categories.create({ name: "Other", slug: "web-scraping" })).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(caller.categories.create({ name: "web scraping", slug: "other" })).rejects.toMatchObject({ code: "CONFLICT" });

      const updated = await caller.categories.update({ slug: "web-scraping", description: "Crawl the web" });
      expect(updated).toMatchObject({ name: "Web Scraping", description: "Crawl the web", icon: "spider" });
      await expect(caller.categories.update({ slug: "missing", name: "M" })).rejects.toMatchObject({ code: "NOT_FOUND" });

      await caller.categories.delete({ slug: "web-scraping" });
      await expect(caller.categories.get({ slug: "web-scraping" })).rejects.toMatchObject({ code: "NOT_FOUND" });
      const after = await t.fetch("/api/v1/categories/web-scraping");
      expect(after.status).toBe(404);
    });

    test("a category that still holds agents cannot be deleted", async () => {
      const caller = t.caller(await admin());
      const category = await makeCategory(t.rt.db.db);
      const author = await makeUser(t.rt.db.db);
      await makeAgent(t.rt.db.db, author.id, { categoryId: category.id });
      await makeAgent(t.rt.db.db, author.id, { categoryId: category.id, isPublic: false });
      await expect(caller.categories.delete({ slug: category.slug })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: "Cannot delete category with 2 agent(s). Move them first.",
      });
      expect((await caller.categories.get({ slug: category.slug })).slug).toBe(category.slug);
    });

    test("bad input: 422 with detail[].loc in the body for each bad field", async () => {
      const caller = t.caller(await admin());
      const error = await caller.categories.create({ name: "", slug: "Bad Slug!" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
      const detail = (error as { cause: { detail: { loc: string[] }[] } }).cause.detail;
      expect(detail.map((d) => d.loc)).toEqual(
        expect.arrayContaining([
          ["body", "name"],
          ["body", "slug"],
        ]),
      );
    });

    describe("over HTTP with a real admin token", () => {
      const adminToken = async () => apiTokenFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }), ["read", "publish", "admin"]);

      test("create answers 201 with the category, update 200, delete 204 with no body", async () => {
        const auth = bearer(await adminToken());
        const created = await t.fetch("/api/v1/admin/categories", jsonInit("POST", { name: "Http Made", slug: "http-made", icon: "globe" }, auth));
        expect(created.status).toBe(201);
        expect(await created.json()).toMatchObject({ name: "Http Made", slug: "http-made", icon: "globe", agent_count: 0 });
        const conflict = await t.fetch("/api/v1/admin/categories", jsonInit("POST", { name: "Other", slug: "http-made" }, auth));
        expect(conflict.status).toBe(409);

        const updated = await t.fetch("/api/v1/admin/categories/http-made", jsonInit("PUT", { description: "Made over HTTP" }, auth));
        expect(updated.status).toBe(200);
        expect(((await updated.json()) as { description: string }).description).toBe("Made over HTTP");

        const deleted = await t.fetch("/api/v1/admin/categories/http-made", { method: "DELETE", headers: auth });
        expect(deleted.status).toBe(204);
        expect(await deleted.text()).toBe("");
        expect((await t.fetch("/api/v1/categories/http-made")).status).toBe(404);
      });

      test("bad fields are 422 with detail[].loc in the body; malformed JSON is 400", async () => {
        const auth = bearer(await adminToken());
        const bad = await t.fetch("/api/v1/admin/categories", jsonInit("POST", { name: "", slug: "Bad Slug!", icon: "x".repeat(51) }, auth));
        expect(bad.status).toBe(422);
        const body = (await bad.json()) as { error: string; detail: { loc: string[]; msg: string; type: string }[] };
        expect(body.error).toBe("validation_error");
        expect(body.detail.map((d) => d.loc)).toEqual(
          expect.arrayContaining([
            ["body", "name"],
            ["body", "slug"],
            ["body", "icon"],
          ]),
        );
        expect(body.detail.every((d) => typeof d.msg === "string" && typeof d.type === "string")).toBe(true);

        const malformed = await t.fetch("/api/v1/admin/categories", {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: '{"name": "x",',
        });
        expect(malformed.status).toBe(400);
        expect(((await malformed.json()) as { error: string }).error).toBe("bad_request");
      });
    });
  });
}
