import { beforeAll, describe, expect, test } from "bun:test";
import { systemContextOf } from "../src/runtime.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { awsKeyLeakAgent, goodNodeAgent, symlinkArchive, zipSlipArchive } from "../src/testing/sample-agents.ts";
import { addVersionViaHttp, publishViaHttp } from "../src/testing/uploads.ts";

type Version = { version: string; quarantined: boolean; quarantine_reason: string | null; validation_status: string };
type Detail = { current_version: string | null; versions: Version[] };

/**
 * Versions that failed the archive or security check with a high or critical finding are
 * quarantined (contract section 11): their author and admins may still download them, with the
 * reasons; nobody else, and they never become the current version.
 */
for (const mode of TEST_MODES) {
  describe(`quarantine [${mode}]`, () => {
    const t = useTestApp(mode);
    const who = { author: "", other: "", admin: "", adminPublish: "" };
    let category = "";

    beforeAll(async () => {
      const author = await makeUser(t.rt.db.db);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      who.author = await apiTokenFor(t.rt, author);
      who.other = await apiTokenFor(t.rt, await makeUser(t.rt.db.db));
      who.admin = await apiTokenFor(t.rt, admin, ["read", "admin"]);
      who.adminPublish = await apiTokenFor(t.rt, admin, ["read", "publish"]);
      category = (await makeCategory(t.rt.db.db)).slug;
    });

    const settle = (versionId: number) =>
      validateStoredVersion(systemContextOf(t.rt), versionId, { pipeline: { sandbox: { ok: false, reason: "not needed" } } });
    const get = (path: string, token?: string) => t.fetch(`/api/v1${path}`, token ? { headers: bearer(token) } : {});
    const listed = async (path: string, slug: string, token?: string) => {
      const body = (await (await get(path, token)).json()) as { items?: { slug: string }[]; agents?: { slug: string }[] };
      return (body.items ?? body.agents ?? []).some((a) => a.slug === slug);
    };

    test.each([
      ["zip-slip", () => zipSlipArchive(`q-${mode}`)],
      ["symlink to /etc", symlinkArchive],
      ["leaked key", awsKeyLeakAgent],
    ] as const)(
      "an agent whose only version is a %s archive exists for its author and admins only",
      async (kind, code) => {
        const name = `Quarantined ${kind} ${mode}`;
        const agent = await publishViaHttp(t.fetch, who.author, { name, category, code: code() });
        await settle(agent.versions[0]!.id);
        const slug = agent.slug;

        for (const token of [undefined, who.other, who.adminPublish]) {
          expect({ token, status: (await get(`/agents/${slug}/download`, token)).status }).toEqual({ token, status: 404 });
          expect((await get(`/agents/${slug}/download/1.0.0`, token)).status).toBe(404);
          expect((await get(`/agents/${slug}`, token)).status).toBe(404);
          expect(await listed("/agents?limit=100", slug, token)).toBe(false);
          expect(await listed(`/search/agents?q=${encodeURIComponent(name)}`, slug, token)).toBe(false);
          expect(await listed(`/search?q=${encodeURIComponent(name)}`, slug, token)).toBe(false);
        }
        for (const token of [who.author, who.admin]) {
          const download = await get(`/agents/${slug}/download/1.0.0`, token);
          expect(download.status).toBe(200);
          expect(download.headers.get("warning")).toStartWith('299 - "quarantined: ');
          const detail = (await (await get(`/agents/${slug}`, token)).json()) as Detail;
          expect(detail.versions[0]).toMatchObject({ quarantined: true, validation_status: "failed" });
          expect(detail.versions[0]!.quarantine_reason).toMatch(/^(archive|security): /);
        }
      },
      60_000,
    );

    test("a quarantined version is never the current one; others get 403 with the reason when they name it", async () => {
      const name = `Mixed Versions ${mode}`;
      const agent = await publishViaHttp(t.fetch, who.author, { name, category, code: goodNodeAgent() });
      await settle(agent.versions[0]!.id);
      const bad = await addVersionViaHttp(t.fetch, who.author, agent.slug, "2.0.0", awsKeyLeakAgent());
      await settle(bad.id);

      const detail = (await (await get(`/agents/${agent.slug}`)).json()) as Detail;
      expect(detail.current_version).toBe("1.0.0");
      expect(detail.versions.map((v) => [v.version, v.quarantined])).toEqual([
        ["2.0.0", true],
        ["1.0.0", false],
      ]);
      expect(await listed("/agents?limit=100", agent.slug)).toBe(true);
      expect(await listed(`/search/agents?q=${encodeURIComponent(name)}`, agent.slug)).toBe(true);

      const latest = await get(`/agents/${agent.slug}/download`);
      expect(latest.status).toBe(200);
      expect(Buffer.from(await latest.arrayBuffer()).equals(Buffer.from(goodNodeAgent()))).toBe(true);
      for (const token of [undefined, who.other, who.adminPublish]) {
        for (const path of [
          `/agents/${agent.slug}/download/2.0.0`,
          `/agents/${agent.slug}/download-url/2.0.0`,
          `/agents/${agent.slug}/download/2.0.0?redirect=true`,
        ]) {
          const res = await get(path, token);
          const body = (await res.json()) as { error: string; detail: string };
          expect({ path, status: res.status, error: body.error }).toEqual({ path, status: 403, error: "forbidden" });
          expect(body.detail).toContain("quarantined");
          expect(body.detail).toContain("security: ");
        }
      }
      expect((await get(`/agents/${agent.slug}/download/2.0.0`, who.author)).status).toBe(200);
      expect((await get(`/agents/${agent.slug}/download-url/2.0.0`, who.admin)).status).toBe(200);
    }, 60_000);

    test("a newer version that is not quarantined (even pending) brings the agent back", async () => {
      const name = `Second Chance ${mode}`;
      const agent = await publishViaHttp(t.fetch, who.author, { name, category, code: awsKeyLeakAgent() });
      await settle(agent.versions[0]!.id);
      expect((await get(`/agents/${agent.slug}`)).status).toBe(404);
      await addVersionViaHttp(t.fetch, who.author, agent.slug, "1.0.1", goodNodeAgent());
      const detail = (await (await get(`/agents/${agent.slug}`)).json()) as Detail;
      expect(detail.current_version).toBe("1.0.1");
      expect((await get(`/agents/${agent.slug}/download/1.0.0`)).status).toBe(403);
    }, 60_000);
  });
}
