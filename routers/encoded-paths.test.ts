import { describe, expect, test } from "bun:test";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";

/** Clients percent-encode path segments (RFC 3986); every REST route must decode them. */
for (const mode of TEST_MODES) {
  describe(`percent-encoded path parameters [${mode}]`, () => {
    const t = useTestApp(mode);

    test("a non-ASCII slug is reachable on every kind of route, and %61 is an a", async () => {
      const owner = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, owner);
      const agent = await publishViaHttp(t.fetch, token, { name: `Émoji Agent ${mode}`, category: (await makeCategory(t.rt.db.db)).slug });
      expect(agent.slug).toBe(`émoji-agent-${mode}`);
      const encoded = encodeURIComponent(agent.slug);
      expect(encoded).toStartWith("%C3%A9");

      const gets = [
        `/agents/${encoded}`,
        `/agents/${encoded}/versions`,
        `/agents/${encoded}/versions/1.0.0`,
        `/agents/${encoded}/validation`,
        `/agents/${encoded}/stats`,
        `/agents/${encoded}/download`,
        `/agents/${encoded}/download-url`,
      ];
      for (const path of gets) {
        expect({ path, status: (await t.fetch(`/api/v1${path}`)).status }).toEqual({ path, status: 200 });
      }
      const detail = (await (await t.fetch(`/api/v1/agents/${encoded}`)).json()) as { slug: string };
      expect(detail.slug).toBe(agent.slug);
      expect(
        (await t.fetch(`/api/v1/agents/${encoded}/star`, { method: "POST", headers: bearer(await apiTokenFor(t.rt, await makeUser(t.rt.db.db))) })).status,
      ).toBe(204);
      expect((await t.fetch(`/api/v1/agents/${encoded}`, jsonInit("PATCH", { description: "Changed through an encoded slug" }, bearer(token)))).status).toBe(
        200,
      );

      // An ASCII letter sent encoded is the same letter.
      const ascii = encodeURIComponent(agent.slug).replace("agent", "%61gent");
      expect((await t.fetch(`/api/v1/agents/${ascii}`)).status).toBe(200);
      expect((await t.fetch(`/api/v1/users/${encodeURIComponent(owner.username).replace("u", "%75")}`)).status).toBe(200);
      // Broken encoding names nothing: 404, not a 500.
      expect((await t.fetch("/api/v1/agents/%E0%A4%A")).status).toBe(404);
    });
  });
}
