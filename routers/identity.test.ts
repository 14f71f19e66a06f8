import { beforeAll, describe, expect, test } from "bun:test";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { multipartInit, publishParts, publishViaHttp } from "../src/testing/uploads.ts";

type Detail = { slug: string; name: string };

for (const mode of TEST_MODES) {
  describe(`names and slugs reveal nothing and cannot deceive [${mode}]`, () => {
    const t = useTestApp(mode);
    const who = { alice: "", bob: "" };
    let category = "";

    beforeAll(async () => {
      who.alice = await apiTokenFor(t.rt, await makeUser(t.rt.db.db));
      who.bob = await apiTokenFor(t.rt, await makeUser(t.rt.db.db));
      category = (await makeCategory(t.rt.db.db)).slug;
    });

    const publish = (token: string, name: string, extra: Record<string, string> = {}) =>
      t.fetch("/api/v1/agents", multipartInit("POST", publishParts({ name, category, ...extra }), bearer(token)));

    test("a slug held by an agent the publisher cannot see is not revealed by a suffix", async () => {
      const hidden = (await (await publish(who.alice, `Secret Plan ${mode}`, { is_public: "false" })).json()) as Detail;
      const base = hidden.slug;
      const bobs = (await (await publish(who.bob, `Secret Plan ${mode}`)).json()) as Detail;
      expect(bobs.slug).toBe(base);
      // Alice's private agent still exists for her, under a slug only she (and admins) know.
      const mine = (await (await t.fetch("/api/v1/users/me", { headers: bearer(who.alice) })).json()) as { stats: { agents_published: number } };
      expect(mine.stats.agents_published).toBeGreaterThanOrEqual(1);
      const aliceAgents = (await (await t.fetch("/api/v1/agents?limit=100", { headers: bearer(who.alice) })).json()) as { items: Detail[] };
      const moved = aliceAgents.items.find((a) => a.name === `Secret Plan ${mode}` && a.slug !== base);
      expect(moved?.slug).toMatch(new RegExp(`^${base}-[0-9a-f]{10}$`));
      expect((await t.fetch(`/api/v1/agents/${moved!.slug}`, { headers: bearer(who.alice) })).status).toBe(200);
      expect((await t.fetch(`/api/v1/agents/${moved!.slug}`, { headers: bearer(who.bob) })).status).toBe(404);
      // Slugs the publisher can see are still counted as the contract says.
      expect(((await (await publish(who.bob, `Secret Plan ${mode}`)).json()) as Detail).slug).toBe(`${base}-1`);
      expect(((await (await publish(who.alice, `Secret Plan ${mode}`)).json()) as Detail).slug).toBe(`${base}-2`);
    });

    test.each([
      ["a right-to-left override", "Invoice\u202Efdp.exe agent"],
      ["a zero-width space", "Pay\u200Bpal agent"],
      ["Cyrillic letters inside a Latin word", "P\u0430yp\u0430l agent"],
      ["Greek letters inside a Latin word", "G\u03BFogle agent"],
    ])("a name with %s is a 422", async (_, name) => {
      const res = await publish(who.alice, name);
      expect(res.status).toBe(422);
      expect(((await res.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(["body", "name"]);
      const agent = await publishViaHttp(t.fetch, who.alice, { name: `Renamable ${crypto.randomUUID().slice(0, 6)}`, category });
      const patch = await t.fetch(`/api/v1/agents/${agent.slug}`, jsonInit("PATCH", { name }, bearer(who.alice)));
      expect(patch.status).toBe(422);
    });

    test("compatibility forms are normalised; other scripts and words in different scripts are welcome", async () => {
      const wide = (await (await publish(who.alice, "\uFF37\uFF49\uFF44\uFF45 Agent")).json()) as Detail;
      expect(wide).toMatchObject({ name: "Wide Agent", slug: expect.stringMatching(/^wide-agent/) });
      for (const name of ["日本語のエージェント", "Ελληνικός agent", "Русский помощник"]) {
        expect({ name, status: (await publish(who.alice, name)).status }).toEqual({ name, status: 202 });
      }
    });
  });
}
