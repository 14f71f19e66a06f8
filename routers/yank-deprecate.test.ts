import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agents } from "../db/schema/index.ts";
import { invalidateCatalog } from "../src/services/catalog-cache.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeCategory, makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { addVersionViaHttp, publishViaHttp } from "../src/testing/uploads.ts";
import { sampleAgentZip } from "../src/testing/zip.ts";

type Version = { version: string; yanked: boolean; yanked_reason: string | null; yanked_at: string | null };
type Detail = { slug: string; current_version: string | null; versions: Version[]; deprecated: { message: string; replacement: string | null } | null };

/** Yank (PEP 592) and deprecation through REST and tRPC, with who may do it. */
for (const mode of TEST_MODES) {
  describe(`yank and deprecate [${mode}]`, () => {
    const t = useTestApp(mode);
    const who = {} as Record<"author" | "authorRead" | "authorSession" | "other" | "otherSession" | "admin" | "adminSession" | "adminPublish", string>;
    let author: Awaited<ReturnType<typeof makeUser>>;
    let other: Awaited<ReturnType<typeof makeUser>>;
    let category = "";
    let n = 0;

    beforeAll(async () => {
      author = await makeUser(t.rt.db.db);
      other = await makeUser(t.rt.db.db);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      who.author = await apiTokenFor(t.rt, author, ["read", "publish"]);
      who.authorRead = await apiTokenFor(t.rt, author, ["read"]);
      who.authorSession = (await sessionFor(t.rt, author)).access_token;
      who.other = await apiTokenFor(t.rt, other, ["read", "publish"]);
      who.otherSession = (await sessionFor(t.rt, other)).access_token;
      who.admin = await apiTokenFor(t.rt, admin, ["read", "admin"]);
      who.adminSession = (await sessionFor(t.rt, admin)).access_token;
      who.adminPublish = await apiTokenFor(t.rt, admin, ["read", "publish"]);
      category = (await makeCategory(t.rt.db.db)).slug;
    });

    /** An agent with 1.0.0 and 1.1.0 (the newest, so current). */
    async function twoVersions(extra: { is_public?: string } = {}): Promise<string> {
      const agent = await publishViaHttp(t.fetch, who.author, { name: `Yank Subject ${mode} ${++n}`, category, code: sampleAgentZip("one"), ...extra });
      await addVersionViaHttp(t.fetch, who.author, agent.slug, "1.1.0", sampleAgentZip("two"));
      return agent.slug;
    }
    const get = (path: string, token?: string) => t.fetch(`/api/v1${path}`, token ? { headers: bearer(token) } : {});
    const detail = async (slug: string, token?: string) => (await (await get(`/agents/${slug}`, token)).json()) as Detail;
    const yank = (slug: string, version: string, token: string | undefined, body: unknown = { reason: "broken build" }) =>
      t.fetch(`/api/v1/agents/${slug}/versions/${version}/yank`, jsonInit("POST", body, token ? bearer(token) : {}));
    const unyank = (slug: string, version: string, token?: string) =>
      t.fetch(`/api/v1/agents/${slug}/versions/${version}/yank`, { method: "DELETE", headers: token ? bearer(token) : {} });
    const deprecate = (slug: string, token: string | undefined, body: unknown) =>
      t.fetch(`/api/v1/agents/${slug}/deprecation`, jsonInit("PUT", body, token ? bearer(token) : {}));
    const undeprecate = (slug: string, token?: string) =>
      t.fetch(`/api/v1/agents/${slug}/deprecation`, { method: "DELETE", headers: token ? bearer(token) : {} });

    test("a yanked version is skipped as latest everywhere and still downloads by its exact version, with a Warning", async () => {
      const slug = await twoVersions();
      expect((await detail(slug)).current_version).toBe("1.1.0");

      const res = await yank(slug, "1.1.0", who.author, { reason: "leaks memory" });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ version: "1.1.0", yanked: true, yanked_reason: "leaks memory" });

      const after = await detail(slug);
      expect(after.current_version).toBe("1.0.0");
      expect(after.versions.map((v) => [v.version, v.yanked, v.yanked_reason])).toEqual([
        ["1.1.0", true, "leaks memory"],
        ["1.0.0", false, null],
      ]);
      const listed = (await (await get("/agents?limit=100")).json()) as { items: { slug: string; current_version: string }[] };
      expect(listed.items.find((a) => a.slug === slug)?.current_version).toBe("1.0.0");
      const found = (await (await get(`/search/agents?q=${encodeURIComponent(`Yank Subject ${mode} ${n}`)}`)).json()) as {
        items: { slug: string; current_version: string }[];
      };
      expect(found.items.find((a) => a.slug === slug)?.current_version).toBe("1.0.0");

      const latest = await get(`/agents/${slug}/download`);
      expect(latest.status).toBe(200);
      expect(latest.headers.get("warning")).toBeNull();
      expect(Buffer.from(await latest.arrayBuffer()).equals(Buffer.from(sampleAgentZip("one")))).toBe(true);
      expect(((await (await get(`/agents/${slug}/download-url`)).json()) as { version: string }).version).toBe("1.0.0");

      const pinned = await get(`/agents/${slug}/download/1.1.0`);
      expect(pinned.status).toBe(200);
      expect(pinned.headers.get("warning")).toBe('299 - "yanked: leaks memory"');
      expect(Buffer.from(await pinned.arrayBuffer()).equals(Buffer.from(sampleAgentZip("two")))).toBe(true);
      const redirected = await get(`/agents/${slug}/download/1.1.0?redirect=true`);
      expect(redirected.status).toBe(302);
      expect(redirected.headers.get("warning")).toBe('299 - "yanked: leaks memory"');

      // Yanking again replaces the reason; undoing it makes 1.1.0 the latest again.
      expect(await (await yank(slug, "1.1.0", who.author, { reason: "really broken" })).json()).toMatchObject({ yanked_reason: "really broken" });
      const undone = await unyank(slug, "1.1.0", who.author);
      expect(undone.status).toBe(200);
      expect(await undone.json()).toMatchObject({ yanked: false, yanked_reason: null, yanked_at: null });
      expect((await detail(slug)).current_version).toBe("1.1.0");
      expect((await get(`/agents/${slug}/download/1.1.0`)).headers.get("warning")).toBeNull();
    }, 60_000);

    test("when every version is yanked there is no latest, and exact versions still download", async () => {
      const slug = await twoVersions();
      for (const v of ["1.1.0", "1.0.0"]) expect((await yank(slug, v, who.author)).status).toBe(200);
      expect((await detail(slug)).current_version).toBeNull();
      expect((await get(`/agents/${slug}/download`)).status).toBe(404);
      expect((await get(`/agents/${slug}/download/1.0.0`)).headers.get("warning")).toBe('299 - "yanked: broken build"');
    }, 60_000);

    test("tRPC yank/unyank and deprecation act like REST and refuse others", async () => {
      const slug = await twoVersions();
      const mine = t.caller(actorFor(author));
      expect(await mine.versions.yank({ slug, version: "1.1.0", reason: "via tRPC" })).toMatchObject({ yanked: true, yanked_reason: "via tRPC" });
      expect((await mine.agents.get({ slug })).current_version).toBe("1.0.0");
      await expect(t.caller(actorFor(other)).versions.unyank({ slug, version: "1.1.0" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(t.caller().versions.unyank({ slug, version: "1.1.0" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      expect(await mine.versions.unyank({ slug, version: "1.1.0" })).toMatchObject({ yanked: false });

      expect((await mine.deprecation.set({ slug, message: "use something else" })).deprecated).toMatchObject({
        message: "use something else",
        replacement: null,
      });
      await expect(t.caller(actorFor(other)).deprecation.clear({ slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
      expect((await mine.deprecation.clear({ slug })).deprecated).toBeNull();
    }, 60_000);

    test("who may yank, unyank, deprecate and undeprecate", async () => {
      const slug = await twoVersions();
      const routes = [
        (token?: string) => yank(slug, "1.0.0", token),
        (token?: string) => unyank(slug, "1.0.0", token),
        (token?: string) => deprecate(slug, token, { message: "old" }),
        (token?: string) => undeprecate(slug, token),
      ];
      for (const [i, call] of routes.entries()) {
        const seen = async (token: string | undefined) => {
          const res = await call(token);
          return { route: i, status: res.status, error: res.status >= 400 ? ((await res.json()) as { error: string }).error : null };
        };
        expect(await seen(undefined)).toEqual({ route: i, status: 401, error: "unauthorized" });
        expect(await seen(who.other)).toEqual({ route: i, status: 403, error: "forbidden" });
        expect(await seen(who.otherSession)).toEqual({ route: i, status: 403, error: "forbidden" });
        expect(await seen(who.authorRead)).toEqual({ route: i, status: 403, error: "forbidden" });
        // An admin's token without the admin scope is an ordinary user's token.
        expect(await seen(who.adminPublish)).toEqual({ route: i, status: 403, error: "forbidden" });
        for (const token of [who.author, who.authorSession, who.admin, who.adminSession])
          expect(await seen(token)).toEqual({ route: i, status: 200, error: null });
      }
    }, 60_000);

    test("a private agent is 404 to others; bad input is 422; unknown versions 404", async () => {
      const slug = await twoVersions({ is_public: "false" });
      expect((await yank(slug, "1.0.0", who.other)).status).toBe(404);
      expect((await deprecate(slug, who.other, { message: "x" })).status).toBe(404);
      expect((await yank(slug, "9.9.9", who.author)).status).toBe(404);

      const invalid = async (res: Response, loc: (string | number)[]) => {
        expect(res.status).toBe(422);
        const body = (await res.json()) as { error: string; detail: { loc: (string | number)[] }[] };
        expect(body.error).toBe("validation_error");
        expect(body.detail.map((d) => d.loc)).toContainEqual(loc);
      };
      await invalid(await yank(slug, "1.0.0", who.author, {}), ["body", "reason"]);
      await invalid(await yank(slug, "1.0.0", who.author, { reason: "   " }), ["body", "reason"]);
      await invalid(await yank(slug, "1.0.0", who.author, { reason: "x".repeat(1001) }), ["body", "reason"]);
      await invalid(await deprecate(slug, who.author, {}), ["body", "message"]);
      await invalid(await deprecate(slug, who.author, { message: "old", replacement: "no-such-agent-anywhere" }), ["body", "replacement"]);
      await invalid(await deprecate(slug, who.author, { message: "old", replacement: slug }), ["body", "replacement"]);
      // Another user's private agent is not a replacement anyone else can name.
      const hidden = await publishViaHttp(t.fetch, who.other, { name: `Hidden Replacement ${mode}`, category, is_public: "false" });
      await invalid(await deprecate(slug, who.author, { message: "old", replacement: hidden.slug }), ["body", "replacement"]);
    }, 60_000);

    test("deprecation shows in detail, list and search, and ranks after agents of similar relevance", async () => {
      const word = `zephyrine${mode}`;
      const older = await publishViaHttp(t.fetch, who.author, { name: `${word} Forecaster`, category, description: `Forecasts ${word} weather for you` });
      const newer = await publishViaHttp(t.fetch, who.author, { name: `${word} Predictor`, category, description: `Forecasts ${word} weather for you` });
      // The soon-deprecated agent is the more popular one, so it ranks first until deprecated.
      await t.rt.db.db.update(agents).set({ downloads: 500 }).where(eq(agents.id, older.id));
      await invalidateCatalog(t.rt);
      const search = async () => (await (await get(`/search/agents?q=${word}`)).json()) as { items: { slug: string; deprecated: Detail["deprecated"] }[] };
      expect((await search()).items.map((a) => a.slug)).toEqual([older.slug, newer.slug]);

      const res = await deprecate(older.slug, who.author, { message: "Superseded", replacement: newer.slug });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Detail).deprecated).toMatchObject({ message: "Superseded", replacement: newer.slug });
      const ranked = await search();
      expect(ranked.items.map((a) => a.slug)).toEqual([newer.slug, older.slug]);
      expect(ranked.items[1]?.deprecated).toMatchObject({ message: "Superseded", replacement: newer.slug });
      expect(ranked.items[0]?.deprecated).toBeNull();
      const listed = (await (await get("/agents?limit=100")).json()) as { items: { slug: string; deprecated: unknown }[] };
      expect(listed.items.find((a) => a.slug === older.slug)?.deprecated).toMatchObject({ message: "Superseded" });
      // Still installable.
      expect((await get(`/agents/${older.slug}/download`)).status).toBe(200);

      expect(((await (await undeprecate(older.slug, who.author)).json()) as Detail).deprecated).toBeNull();
      expect((await search()).items.map((a) => a.slug)).toEqual([older.slug, newer.slug]);
    }, 60_000);
  });
}
