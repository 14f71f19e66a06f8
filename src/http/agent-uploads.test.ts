import { beforeAll, describe, expect, test } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import { agents, agentVersions } from "../../db/schema/index.ts";
import { systemContextOf } from "../runtime.ts";
import { validateStoredVersion } from "../services/validation/run-version.ts";
import { apiTokenFor, bearer, sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../testing/harness.ts";
import { goodNodeAgent } from "../testing/sample-agents.ts";
import { encodeMultipart, leftovers, multipartInit, orphanedStagingKeys, publishParts, storedKeys } from "../testing/uploads.ts";
import { sampleAgentZip, zipOfSize } from "../testing/zip.ts";

const LIMIT = 64 * 1024;

for (const mode of TEST_MODES) {
  describe(`multipart publishing [${mode}]`, () => {
    const t = useTestApp(mode, { MAX_UPLOAD_BYTES: String(LIMIT) });
    const ctx = { token: "", category: "", user: { id: 0, username: "" } };

    beforeAll(async () => {
      const user = await makeUser(t.rt.db.db);
      ctx.user = user;
      ctx.token = (await sessionFor(t.rt, user)).access_token;
      ctx.category = (await makeCategory(t.rt.db.db, { name: `Upload Tools ${mode}`, slug: `upload-tools-${mode}` })).slug;
    });

    const publish = (form: Parameters<typeof publishParts>[0], token = ctx.token) =>
      t.fetch("/api/v1/agents", multipartInit("POST", publishParts({ category: ctx.category, ...form }), bearer(token)));

    test("POST /agents stores the archive content-addressed and answers 202 with the pending agent", async () => {
      const code = sampleAgentZip("first");
      const res = await publish({ name: "Weather Bot", version: "1.2.3", changelog: "First", code });
      expect(res.status).toBe(202);
      const body = (await res.json()) as Record<string, unknown> & { versions: Record<string, unknown>[] };
      expect(body).toMatchObject({
        name: "Weather Bot",
        slug: "weather-bot",
        category: ctx.category,
        current_version: "1.2.3",
        validation_status: "pending",
        message: "Agent submitted for validation",
        author: { id: ctx.user.id, username: ctx.user.username },
        downloads: 0,
        stars: 0,
        rating: 0,
        is_public: true,
        is_validated: false,
      });
      const sha = new Bun.CryptoHasher("sha256").update(code).digest("hex");
      expect(body.versions).toEqual([
        expect.objectContaining({ version: "1.2.3", changelog: "First", size_bytes: code.length, sha256: sha, validation_status: "pending" }),
      ]);
      const [version] = await t.rt.db.db
        .select()
        .from(agentVersions)
        .where(eq(agentVersions.id, body.versions[0]!.id as number));
      // The upload's own key, kept by the version until validation promotes the archive.
      expect(version!.storageKey).toMatch(/^staging\/[0-9a-f-]{36}\.zip$/);
      const stored = await t.rt.storage.get(version!.storageKey);
      expect(new Uint8Array(await new Response(stored!.body).arrayBuffer())).toEqual(code);
      // No other staged object is left, and no cleanup guard for a referenced key.
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
      expect((await leftovers(t.rt, "Weather Bot")).guards).toEqual([]);
    });

    test("the validation job is queued for the new version", async () => {
      const before = (await t.rt.queue.stats()).default.waiting;
      const res = await publish({ name: "Queued Agent" });
      expect(res.status).toBe(202);
      expect((await t.rt.queue.stats()).default.waiting).toBe(before + 1);
    });

    test("category by name, case-insensitive; an unknown category is 422 and leaves nothing", async () => {
      const byName = await publish({ name: "Named Category", category: `UPLOAD TOOLS ${mode.toUpperCase()}` });
      expect(byName.status).toBe(202);
      expect(((await byName.json()) as { category: string }).category).toBe(ctx.category);

      const missing = await publish({ name: "No Category Agent", category: "does-not-exist" });
      expect(missing.status).toBe(422);
      expect(await missing.json()).toEqual({
        error: "validation_error",
        detail: [{ loc: ["body", "category"], msg: "Category 'does-not-exist' does not exist", type: "value_error" }],
      });
      expect(await leftovers(t.rt, "No Category Agent")).toMatchObject({ agents: 0, guards: [] });
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("bad fields are 422 with their location; a missing code part too", async () => {
      const bad = await publish({ name: "ab", description: "short", version: "1.0" });
      expect(bad.status).toBe(422);
      const detail = ((await bad.json()) as { detail: { loc: string[] }[] }).detail.map((d) => d.loc.join("."));
      expect(detail).toEqual(expect.arrayContaining(["body.name", "body.description", "body.version"]));

      const noCode = await publish({ name: "No Code Agent", code: null });
      expect(noCode.status).toBe(422);
      expect(((await noCode.json()) as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(["body", "code"]);

      const emptySlug = await publish({ name: "!!! ???" });
      expect(emptySlug.status).toBe(422);
      expect(((await emptySlug.json()) as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(["body", "name"]);
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("not a zip is 415 whatever its declared type; an empty file too", async () => {
      const text = await publish({ name: "Text File Agent", code: new TextEncoder().encode("just some text, not an archive") });
      expect(text.status).toBe(415);
      expect((await text.json()) as { error: string; detail: string }).toMatchObject({
        error: "unsupported_media_type",
        detail: expect.stringContaining("not a zip"),
      });

      const empty = await publish({ name: "Empty File Agent", code: new Uint8Array(0) });
      expect(empty.status).toBe(415);
      expect(((await empty.json()) as { detail: string }).detail).toContain("empty");
      expect(await leftovers(t.rt, "Text File Agent")).toMatchObject({ agents: 0, guards: [] });
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("a body that is not multipart is 415", async () => {
      const res = await t.fetch("/api/v1/agents", { method: "POST", headers: { ...bearer(ctx.token), "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(415);
    });

    test("exactly MAX_UPLOAD_BYTES is accepted; one byte more is 413 and leaves no object and no row", async () => {
      const exact = await publish({ name: "Exactly At Limit", code: zipOfSize(LIMIT) });
      expect(exact.status).toBe(202);
      expect(((await exact.json()) as { versions: { size_bytes: number }[] }).versions[0]!.size_bytes).toBe(LIMIT);

      const over = await publish({ name: "One Byte Over", code: zipOfSize(LIMIT + 1) });
      expect(over.status).toBe(413);
      expect(await over.json()).toEqual({ error: "payload_too_large", detail: `The archive exceeds the upload limit of ${LIMIT} bytes` });
      expect(await leftovers(t.rt, "One Byte Over")).toMatchObject({ agents: 0, guards: [] });
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("the 413 comes while the body is still arriving: the rest is never read", async () => {
      const { body, contentType } = encodeMultipart(publishParts({ category: ctx.category, name: "Endless Upload", code: zipOfSize(LIMIT * 4) }));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= body.length) return controller.close();
          controller.enqueue(body.subarray(sent, sent + 8192));
          sent += 8192;
        },
      });
      const res = await t.fetch("/api/v1/agents", { method: "POST", headers: { ...bearer(ctx.token), "content-type": contentType }, body: stream });
      expect(res.status).toBe(413);
      expect(sent).toBeLessThan(body.length / 2);
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("a truncated multipart body is 400 and leaves nothing", async () => {
      const { body, contentType } = encodeMultipart(publishParts({ category: ctx.category, name: "Truncated Agent", code: zipOfSize(20_000) }));
      const res = await t.fetch("/api/v1/agents", {
        method: "POST",
        headers: { ...bearer(ctx.token), "content-type": contentType },
        body: body.subarray(0, body.length - 5_000),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toContain("ended before the closing boundary");
      expect(await leftovers(t.rt, "Truncated Agent")).toMatchObject({ agents: 0, versions: 0, guards: [] });
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("a client that disconnects mid-upload leaves no row and no object", async () => {
      const { body, contentType } = encodeMultipart(publishParts({ category: ctx.category, name: "Disconnected Agent", code: zipOfSize(40_000) }));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > 20_000) return controller.error(new DOMException("The connection was closed.", "AbortError"));
          controller.enqueue(body.subarray(sent, sent + 4096));
          sent += 4096;
        },
      });
      const res = await t.fetch("/api/v1/agents", { method: "POST", headers: { ...bearer(ctx.token), "content-type": contentType }, body: stream });
      expect(res.status).toBe(400);
      expect(await leftovers(t.rt, "Disconnected Agent")).toMatchObject({ agents: 0, versions: 0, guards: [] });
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("slug rules: lower-case, runs of spaces and hyphens collapse, taken slugs get -1, -2", async () => {
      const first = await publish({ name: "  My   Cool--Agent_v2!  " });
      expect(((await first.json()) as { slug: string }).slug).toBe("my-cool-agent_v2");
      const second = await publish({ name: "My Cool Agent_v2" });
      expect(((await second.json()) as { slug: string }).slug).toBe("my-cool-agent_v2-1");
      const third = await publish({ name: "my cool agent_v2" });
      expect(((await third.json()) as { slug: string }).slug).toBe("my-cool-agent_v2-2");
    });

    test("concurrent publishes of one name get distinct slugs, never a 500", async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => publish({ name: "Race Agent", code: sampleAgentZip(`race ${i}`) })));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
      const slugs = await Promise.all(results.map(async (r) => ((await r.json()) as { slug: string }).slug));
      expect(new Set(slugs).size).toBe(6);
      expect(slugs.sort()).toEqual(["race-agent", "race-agent-1", "race-agent-2", "race-agent-3", "race-agent-4", "race-agent-5"]);
    });

    test("POST /agents/{slug}/versions adds a version (202 AgentVersion); an existing version is 409", async () => {
      const created = (await (await publish({ name: "Versioned Agent", version: "1.0.0" })).json()) as { slug: string; id: number };
      const add = (version: string, code = sampleAgentZip(version)) =>
        t.fetch(
          `/api/v1/agents/${created.slug}/versions`,
          multipartInit(
            "POST",
            [
              { name: "version", value: version },
              { name: "changelog", value: `v${version}` },
              { name: "code", value: code, filename: "a.zip" },
            ],
            bearer(ctx.token),
          ),
        );
      const res = await add("1.1.0");
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ agent_id: created.id, version: "1.1.0", changelog: "v1.1.0", validation_status: "pending" });

      const again = await add("1.1.0");
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: string }).error).toBe("conflict");
      const sameWithBuild = await add("1.1.0+build.7");
      expect(sameWithBuild.status).toBe(409);

      const rows = await t.rt.db.db.select({ version: agentVersions.version }).from(agentVersions).where(eq(agentVersions.agentId, created.id));
      expect(rows.map((r) => r.version).sort()).toEqual(["1.0.0", "1.1.0"]);
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });

    test("once validated, identical bytes in two versions of one agent share one object; another agent gets its own key", async () => {
      const code = goodNodeAgent();
      const a = (await (await publish({ name: "Same Bytes A", code })).json()) as { slug: string; id: number };
      const v2 = await t.fetch(
        `/api/v1/agents/${a.slug}/versions`,
        multipartInit(
          "POST",
          [
            { name: "version", value: "2.0.0" },
            { name: "code", value: code, filename: "a.zip" },
          ],
          bearer(ctx.token),
        ),
      );
      expect(v2.status).toBe(202);
      const b = (await (await publish({ name: "Same Bytes B", code })).json()) as { id: number };
      const versions = await t.rt.db.db
        .select()
        .from(agentVersions)
        .where(inArray(agentVersions.agentId, [a.id, b.id]));
      // Each upload waits under its own staging key until its validation passes.
      expect(new Set(versions.map((v) => v.storageKey)).size).toBe(3);
      for (const version of versions) expect(await validateStoredVersion(systemContextOf(t.rt), version.id)).toBe("validated");
      expect(await storedKeys(t.rt, `agents/${a.id}/`)).toHaveLength(1);
      expect(await storedKeys(t.rt, `agents/${b.id}/`)).toHaveLength(1);
      const promoted = await t.rt.db.db
        .select()
        .from(agentVersions)
        .where(inArray(agentVersions.agentId, [a.id, b.id]));
      expect(promoted.map((v) => v.storageKey).sort()).toEqual([
        `agents/${a.id}/${versions[0]!.sha256}.zip`,
        `agents/${a.id}/${versions[0]!.sha256}.zip`,
        `agents/${b.id}/${versions[0]!.sha256}.zip`,
      ]);
    }, 60_000);

    test("multipart PUT /agents/{slug} publishes a version and answers 202 with the agent", async () => {
      const created = (await (await publish({ name: "Put Version Agent", version: "0.1.0" })).json()) as { slug: string };
      const res = await t.fetch(
        `/api/v1/agents/${created.slug}`,
        multipartInit(
          "PUT",
          [
            { name: "version", value: "0.2.0-beta.2" },
            { name: "code", value: sampleAgentZip("put"), filename: "a.zip" },
          ],
          bearer(ctx.token),
        ),
      );
      expect(res.status).toBe(202);
      const body = (await res.json()) as { versions: { version: string }[]; current_version: string; message: string };
      expect(body.versions.map((v) => v.version)).toEqual(["0.2.0-beta.2", "0.1.0"]);
      expect(body.current_version).toBe("0.2.0-beta.2");
      expect(body.message).toBe("Agent submitted for validation");

      const json = await t.fetch(`/api/v1/agents/${created.slug}`, {
        method: "PUT",
        headers: { ...bearer(ctx.token), "content-type": "application/json" },
        body: JSON.stringify({ description: "Changed through JSON PUT" }),
      });
      expect(json.status).toBe(200);
      expect(((await json.json()) as { description: string }).description).toBe("Changed through JSON PUT");
    });

    test("publishing needs a publish scope and authorship, checked before the body is read", async () => {
      const created = (await (await publish({ name: "Owned Agent" })).json()) as { slug: string };
      const other = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      const readToken = await apiTokenFor(t.rt, { id: ctx.user.id }, ["read"]);
      const admin = (await sessionFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }))).access_token;
      const versionParts = [
        { name: "version", value: "9.0.0" },
        { name: "code", value: sampleAgentZip(), filename: "a.zip" },
      ];

      const anonymous = await t.fetch("/api/v1/agents", multipartInit("POST", publishParts({ category: ctx.category, name: "Anon" })));
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
      expect((await publish({ name: "Read Only" }, readToken)).status).toBe(403);

      for (const [method, path] of [
        ["POST", `/api/v1/agents/${created.slug}/versions`],
        ["PUT", `/api/v1/agents/${created.slug}`],
      ] as const) {
        expect((await t.fetch(path, multipartInit(method, versionParts))).status).toBe(401);
        expect((await t.fetch(path, multipartInit(method, versionParts, bearer(readToken)))).status).toBe(403);
        expect((await t.fetch(path, multipartInit(method, versionParts, bearer(other)))).status).toBe(403);
        // Admins manage agents, but a version is the author's own work.
        expect((await t.fetch(path, multipartInit(method, versionParts, bearer(admin)))).status).toBe(403);
        expect((await t.fetch(path.replace(created.slug, "no-such-agent"), multipartInit(method, versionParts, bearer(ctx.token)))).status).toBe(404);
      }
      const [row] = await t.rt.db.db.select({ id: agents.id }).from(agents).where(eq(agents.slug, created.slug));
      expect(await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, row!.id))).toHaveLength(1);
      expect(await orphanedStagingKeys(t.rt)).toEqual([]);
    });
  });
}
