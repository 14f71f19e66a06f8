import { beforeAll, describe, expect, test } from "bun:test";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeAgent, makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { multipartInit, publishParts } from "../src/testing/uploads.ts";

/**
 * PostgreSQL cannot store U+0000 in text: a NUL anywhere in what a client sends is the client's
 * mistake, a 422 that names the field, never a 500 from the database.
 */
for (const mode of TEST_MODES) {
  describe(`NUL in text input [${mode}]`, () => {
    const t = useTestApp(mode);
    const fixture = { user: "", admin: "", slug: "", reviewable: "", category: "" };

    beforeAll(async () => {
      const user = await makeUser(t.rt.db.db);
      fixture.user = await apiTokenFor(t.rt, user);
      fixture.admin = await apiTokenFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }), ["read", "publish", "admin"]);
      fixture.slug = (await makeAgent(t.rt.db.db, user.id)).slug;
      fixture.reviewable = (await makeAgent(t.rt.db.db, (await makeUser(t.rt.db.db)).id)).slug;
      fixture.category = (await makeCategory(t.rt.db.db)).slug;
    });

    const cases: [string, () => [string, RequestInit], string[]][] = [
      ["agent name (PATCH)", () => [`/agents/${fixture.slug}`, jsonInit("PATCH", { name: "Bad\u0000Name" }, bearer(fixture.user))], ["body", "name"]],
      [
        "agent description (PUT)",
        () => [`/agents/${fixture.slug}`, jsonInit("PUT", { description: "A description\u0000 with NUL" }, bearer(fixture.user))],
        ["body", "description"],
      ],
      [
        "review comment",
        () => [`/agents/${fixture.reviewable}/reviews`, jsonInit("POST", { rating: 4, comment: "ok\u0000" }, bearer(fixture.user))],
        ["body", "comment"],
      ],
      ["token name", () => ["/auth/tokens", jsonInit("POST", { name: "ci\u0000", scopes: ["read"] }, bearer(fixture.user))], ["body", "name"]],
      ["admin user search", () => ["/admin/users?search=a%00b", { headers: bearer(fixture.admin) }], ["query", "search"]],
      ["catalog search", () => ["/search/agents?q=a%00b", {}], ["query", "q"]],
      ["category name", () => ["/admin/categories", jsonInit("POST", { name: "Cat\u0000", slug: "nul-cat" }, bearer(fixture.admin))], ["body", "name"]],
      [
        "block reason",
        () => ["/admin/users/1/block", jsonInit("POST", { blocked_reason: "spamming\u0000 the catalog" }, bearer(fixture.admin))],
        ["body", "blocked_reason"],
      ],
      [
        "multipart publish name",
        () => ["/agents", multipartInit("POST", publishParts({ name: "Nul\u0000Agent", category: fixture.category }), bearer(fixture.user))],
        ["body", "name"],
      ],
    ];

    test.each(cases)("%s: 422 naming the field", async (_, request, loc) => {
      const [path, init] = request();
      const res = await t.fetch(`/api/v1${path}`, init);
      const body = (await res.json()) as { error: string; detail: { loc: string[]; msg: string }[] };
      expect({ status: res.status, error: body.error }).toEqual({ status: 422, error: "validation_error" });
      expect(body.detail).toContainEqual(expect.objectContaining({ loc, msg: "Must not contain NUL characters" }));
    });
  });
}
