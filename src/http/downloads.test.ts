import { beforeAll, describe, expect, test } from "bun:test";
import { count, eq } from "drizzle-orm";
import { agents, agentVersions, downloadEvents } from "../../db/schema/index.ts";
import { refreshCurrentVersion } from "../services/agents/versions.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { TEST_MODES, type TestApp, useTestApp } from "../testing/harness.ts";
import { addVersionViaHttp, publishViaHttp } from "../testing/uploads.ts";
import { sampleAgentZip } from "../testing/zip.ts";

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

/** Follows a redirect to storage: app-signed /files URLs through the app, presigned S3 URLs over the network. */
async function follow(t: TestApp, location: string): Promise<Response> {
  const url = new URL(location);
  if (url.pathname.startsWith("/files/")) return t.fetch(`${url.pathname}${url.search}`);
  return fetch(location);
}

async function countsOf(t: TestApp, agentId: number) {
  await t.rt.downloads.flush();
  const [agent] = await t.rt.db.db.select({ downloads: agents.downloads }).from(agents).where(eq(agents.id, agentId));
  const [events] = await t.rt.db.db.select({ n: count() }).from(downloadEvents).where(eq(downloadEvents.agentId, agentId));
  return { counter: agent!.downloads, events: events!.n };
}

for (const mode of TEST_MODES) {
  describe(`downloads [${mode}]`, () => {
    const t = useTestApp(mode);
    const ctx = { token: "", category: "", userId: 0 };

    beforeAll(async () => {
      const user = await makeUser(t.rt.db.db);
      ctx.userId = user.id;
      ctx.token = (await sessionFor(t.rt, user)).access_token;
      ctx.category = (await makeCategory(t.rt.db.db)).slug;
    });

    test("streams the current version with type, disposition, length and ETag, and counts it", async () => {
      const code = sampleAgentZip("download me");
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Download Agent", version: "1.0.0", code });
      const res = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/zip");
      expect(res.headers.get("content-disposition")).toContain(`attachment; filename="${agent.slug}-1.0.0.zip"`);
      expect(res.headers.get("content-length")).toBe(String(code.length));
      expect(res.headers.get("etag")).toBe(`"${sha256(code)}"`);
      expect(await bytesOf(res)).toEqual(code);
      expect(await countsOf(t, agent.id)).toEqual({ counter: 1, events: 1 });
    });

    test("the current version is the highest passed one, else the newest; a named version is that one", async () => {
      const v1 = sampleAgentZip("v1");
      const v2 = sampleAgentZip("v2");
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Two Versions", version: "1.0.0", code: v1 });
      await addVersionViaHttp(t.fetch, ctx.token, agent.slug, "2.0.0", v2);
      expect(await bytesOf(await t.fetch(`/api/v1/agents/${agent.slug}/download`))).toEqual(v2);

      await t.rt.db.db.update(agentVersions).set({ validationStatus: "passed" }).where(eq(agentVersions.id, agent.versions[0]!.id));
      await refreshCurrentVersion(t.rt.db.db, agent.id);
      const current = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
      expect(current.headers.get("content-disposition")).toContain(`${agent.slug}-1.0.0.zip`);
      expect(await bytesOf(current)).toEqual(v1);
      expect(await bytesOf(await t.fetch(`/api/v1/agents/${agent.slug}/download/2.0.0`))).toEqual(v2);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}/download/3.0.0`)).status).toBe(404);
    });

    test("?redirect=true answers 302 to a signed URL that serves the bytes; download-url does the same in JSON", async () => {
      const code = sampleAgentZip("redirect me");
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Redirect Agent", code });
      const res = await t.fetch(`/api/v1/agents/${agent.slug}/download?redirect=true`);
      expect(res.status).toBe(302);
      const location = res.headers.get("location")!;
      expect(location).toMatch(mode === "embedded" ? /\/files\/staging\// : /X-Amz-Signature=/);
      expect(await bytesOf(await follow(t, location))).toEqual(code);

      const urlRes = await t.fetch(`/api/v1/agents/${agent.slug}/download-url`);
      expect(urlRes.status).toBe(200);
      const body = (await urlRes.json()) as { url: string; expires_in: number; sha256: string; size_bytes: number; version: string };
      expect(body).toMatchObject({ expires_in: 300, sha256: sha256(code), size_bytes: code.length, version: "1.0.0" });
      expect(await bytesOf(await follow(t, body.url))).toEqual(code);
      const versioned = await t.fetch(`/api/v1/agents/${agent.slug}/download-url/1.0.0`);
      expect(((await versioned.json()) as { version: string }).version).toBe("1.0.0");
      expect(await countsOf(t, agent.id)).toEqual({ counter: 3, events: 3 });

      expect((await t.fetch(`/api/v1/agents/${agent.slug}/download?redirect=maybe`)).status).toBe(422);
    });

    test("a version stored at an external http(s) URL always answers 302 to it", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "External Agent" });
      await t.rt.db.db.update(agentVersions).set({ storageKey: "https://mirror.example.com/agents/external.zip" }).where(eq(agentVersions.agentId, agent.id));
      const res = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("https://mirror.example.com/agents/external.zip");
      const url = (await (await t.fetch(`/api/v1/agents/${agent.slug}/download-url`)).json()) as { url: string; expires_in: number | null };
      expect(url).toMatchObject({ url: "https://mirror.example.com/agents/external.zip", expires_in: null });
    });

    test("If-None-Match with the ETag is 304 and not counted", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Cached Agent" });
      const first = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
      await first.arrayBuffer();
      const again = await t.fetch(`/api/v1/agents/${agent.slug}/download`, { headers: { "if-none-match": first.headers.get("etag")! } });
      expect(again.status).toBe(304);
      expect(await countsOf(t, agent.id)).toEqual({ counter: 1, events: 1 });
    });

    test("a private agent downloads only for its author (and admins); others get 404", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Private Download", is_public: "false" });
      const stranger = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      const admin = (await sessionFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }))).access_token;
      for (const path of [`/download`, `/download/1.0.0`, `/download-url`, `/download?redirect=true`]) {
        expect((await t.fetch(`/api/v1/agents/${agent.slug}${path}`)).status).toBe(404);
        expect((await t.fetch(`/api/v1/agents/${agent.slug}${path}`, { headers: bearer(stranger) })).status).toBe(404);
      }
      for (const token of [ctx.token, admin]) {
        const res = await t.fetch(`/api/v1/agents/${agent.slug}/download`, { headers: bearer(token) });
        expect(res.status).toBe(200);
        // An unread file stream would hold its file handle until garbage collection.
        await res.body?.cancel();
      }
    });

    test("a download event records the version and the user when there is one", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Recorded Agent" });
      await (await t.fetch(`/api/v1/agents/${agent.slug}/download`, { headers: bearer(ctx.token) })).arrayBuffer();
      await (await t.fetch(`/api/v1/agents/${agent.slug}/download`)).arrayBuffer();
      await t.rt.downloads.flush();
      const events = await t.rt.db.db.select().from(downloadEvents).where(eq(downloadEvents.agentId, agent.id));
      expect(events.map((e) => [e.versionId, e.userId]).sort()).toEqual(
        [
          [agent.versions[0]!.id, ctx.userId],
          [agent.versions[0]!.id, null],
        ].sort(),
      );
    });
  });

  describe(`downloads with DOWNLOAD_MODE=redirect [${mode}]`, () => {
    const t = useTestApp(mode, { DOWNLOAD_MODE: "redirect", DOWNLOAD_URL_TTL_SECONDS: "60" });

    test("every download answers 302 to a signed URL that expires", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = (await sessionFor(t.rt, user)).access_token;
      const code = sampleAgentZip("always redirect");
      const agent = await publishViaHttp(t.fetch, token, { category: (await makeCategory(t.rt.db.db)).slug, name: "Redirect Mode Agent", code });
      const res = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
      expect(res.status).toBe(302);
      const location = res.headers.get("location")!;
      expect(location).toMatch(mode === "embedded" ? /expires=\d+/ : /X-Amz-Expires=60/);
      expect(await bytesOf(await follow(t, location))).toEqual(code);
      expect(await countsOf(t, agent.id)).toEqual({ counter: 1, events: 1 });
    });
  });
}
