import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { agentVersions } from "../../../db/schema/index.ts";
import { createApp } from "../../../src/app.ts";
import { type Runtime, startJobWorker } from "../../../src/runtime.ts";
import { apiTokenFor } from "../../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../../src/testing/factories.ts";
import { createTestRuntime, TEST_MODES } from "../../../src/testing/harness.ts";
import { goodNodeAgent } from "../../../src/testing/sample-agents.ts";
import type { MarketplaceError } from "../errors.ts";
import { createMarketplaceClient } from "./index.ts";
import { unpackArchive } from "./unpack.ts";

/** The node client against a real server over a socket: publish a folder, validate, find, install. */
for (const mode of TEST_MODES) {
  describe(`publish and install through the client [${mode}]`, () => {
    let rt: Runtime & { dataDir: string };
    let server: ReturnType<typeof Bun.serve>;
    let worker: { stop(o?: { graceMs?: number }): Promise<void> };
    let work: string;
    let agentDir: string;
    let token: string;
    let category: { slug: string };
    const client = (t?: string) => createMarketplaceClient({ url: server.url.href, token: t });

    beforeAll(async () => {
      rt = await createTestRuntime(mode);
      const { fetch } = createApp(rt);
      server = Bun.serve({ hostname: "127.0.0.1", port: 0, maxRequestBodySize: rt.env.MAX_UPLOAD_BYTES + 1024 * 1024, fetch: (r, s) => fetch(r, s) });
      worker = startJobWorker(rt, { pollMs: 50 });
      work = await mkdtemp(join(tmpdir(), "sdk-test-"));
      await writeFile(join(work, "good.zip"), goodNodeAgent());
      await unpackArchive(join(work, "good.zip"), join(work, "src"));
      agentDir = join(work, "src", "good-node-agent");
      // What a working folder also holds, none of which belongs in the archive.
      await mkdir(join(agentDir, "node_modules", "dep"), { recursive: true });
      await writeFile(join(agentDir, "node_modules", "dep", "index.js"), "module.exports = 1;\n");
      await mkdir(join(agentDir, ".git"));
      await writeFile(join(agentDir, ".git", "HEAD"), "ref: refs/heads/main\n");
      await writeFile(join(agentDir, ".env"), "OPENAI_API_KEY=sk-not-for-the-archive\n");
      await writeFile(join(agentDir, ".gitignore"), "*.log\n");
      await writeFile(join(agentDir, "debug.log"), "noise\n");
      const user = await makeUser(rt.db.db);
      token = await apiTokenFor(rt, user);
      category = await makeCategory(rt.db.db);
      await writeFile(
        join(agentDir, "agent.json"),
        JSON.stringify({ name: `Client Published ${mode}`, description: "Published from a folder by the SDK", category: category.slug, version: "1.0.0" }),
      );
    }, 60_000);
    afterAll(async () => {
      await worker?.stop({ graceMs: 2_000 });
      await server?.stop(true);
      await rt?.close();
      await rm(work, { recursive: true, force: true });
    });

    test("a folder is packed by its rules, streamed, validated, found, and installs byte for byte", async () => {
      const progress: number[] = [];
      const published = await client(token).publish({ dir: agentDir, onProgress: (p) => progress.push(p.bytesSent) });
      expect(published).toMatchObject({ name: `Client Published ${mode}`, current_version: "1.0.0", category: category.slug });
      // The worker may pick the job up before the answer is read back.
      expect(["pending", "running"]).toContain(published.validation_status);
      expect(published.message).toBe("Agent submitted for validation");
      expect(progress.at(-1)).toBe(published.versions[0]!.size_bytes);

      const statuses: string[] = [];
      const report = await client().waitForValidation(published.slug, "1.0.0", {
        intervalMs: 100,
        timeoutMs: 90_000,
        onProgress: (r) => statuses.push(r.status),
      });
      expect(report.status).toBe("passed");
      expect(statuses.at(-1)).toBe("passed");

      const found = await client().search.agents.query({ q: `Client Published ${mode}` });
      expect(found.items.map((a) => a.slug)).toContain(published.slug);

      const target = join(work, `installed-${mode}`);
      const installed = await client().install(published.slug, { dir: target });
      expect(installed).toMatchObject({ slug: published.slug, version: "1.0.0", sha256: published.versions[0]!.sha256, dir: target });
      const names = installed.files.map((f) => f.path).sort();
      expect(names).toEqual([".gitignore", "agent.json", "index.js", "package.json", "test/agent.test.js"]);
      for (const name of names) expect(await readFile(join(target, name))).toEqual(await readFile(join(agentDir, name)));
    }, 120_000);

    test("a new version from zip bytes; install of that exact version; a second install into a full folder is refused", async () => {
      const c = client(token);
      const first = await c.publish({ dir: agentDir, name: `Versioned ${mode}` });
      const zip = await readFile(join(work, "good.zip"));
      const version = await c.publishVersion(first.slug, { zip, version: "1.1.0", changelog: "Second" });
      expect(version).toMatchObject({ version: "1.1.0", changelog: "Second", size_bytes: zip.length });
      expect(["pending", "running"]).toContain(version.validation_status);
      const target = join(work, `v110-${mode}`);
      const installed = await c.install(first.slug, { dir: target, version: "1.1.0" });
      expect(installed.files.map((f) => f.path)).toContain("good-node-agent/index.js");
      const again = (await c.install(first.slug, { dir: target, version: "1.1.0" }).catch((e: unknown) => e)) as MarketplaceError;
      expect(again.code).toBe("target_not_empty");
    }, 60_000);

    test("every list is walked by paginate", async () => {
      const c = client(token);
      for (let i = 0; i < 3; i++) await c.publish({ dir: agentDir, name: `Paged ${mode} ${i}` });
      const everything: string[] = [];
      for await (const agent of c.paginate(c.agents.list, { sort: "name" }, { pageSize: 2 })) everything.push(agent.name);
      const total = (await c.agents.list.query({ limit: 1 })).total;
      expect(everything.length).toBe(total);
      expect(new Set(everything).size).toBe(total);
      expect(everything.filter((n) => n.startsWith(`Paged ${mode}`))).toEqual([`Paged ${mode} 0`, `Paged ${mode} 1`, `Paged ${mode} 2`]);
    }, 60_000);

    test("bad input, no token and someone else's agent are MarketplaceErrors with the contract's code and detail", async () => {
      const bad = (await client(token)
        .publish({ dir: agentDir, name: "x", version: "one" })
        .catch((e: unknown) => e)) as MarketplaceError;
      expect(bad).toMatchObject({ status: 422, code: "validation_error" });
      expect(bad.fieldErrors.map((e) => e.loc.join("."))).toEqual(["body.name", "body.version"]);
      expect(bad.requestId).toMatch(/.+/);

      const anonymous = (await client()
        .publish({ dir: agentDir })
        .catch((e: unknown) => e)) as MarketplaceError;
      expect(anonymous).toMatchObject({ status: 401, code: "unauthorized" });

      const owner = await client(token).publish({ dir: agentDir, name: `Owned ${mode}` });
      const stranger = await apiTokenFor(rt, await makeUser(rt.db.db));
      const refused = (await client(stranger)
        .publishVersion(owner.slug, { dir: agentDir, version: "9.9.9" })
        .catch((e: unknown) => e)) as MarketplaceError;
      expect([403, 404]).toContain(refused.status);

      const missing = (await client()
        .agents.get.query({ slug: "no-such-agent" })
        .catch((e: unknown) => e)) as MarketplaceError;
      expect(missing).toMatchObject({ name: "MarketplaceError", status: 404, code: "not_found", detail: "Agent 'no-such-agent' not found" });
      expect(missing.requestId).toMatch(/.+/);

      const outOfRange = (await client()
        .agents.list.query({ limit: 1000 })
        .catch((e: unknown) => e)) as MarketplaceError;
      expect(outOfRange).toMatchObject({ status: 422, code: "validation_error" });
      expect(outOfRange.fieldErrors[0]?.loc).toEqual(["query", "limit"]);

      const noInstall = (await client()
        .install("no-such-agent", { dir: join(work, "never") })
        .catch((e: unknown) => e)) as MarketplaceError;
      expect(noInstall.status).toBe(404);
      expect(await readdir(work)).not.toContain("never");
    }, 60_000);

    if (mode === "embedded") {
      test("an archive altered in storage is refused by its SHA-256 and nothing is unpacked", async () => {
        const c = client(token);
        const agent = await c.publish({ dir: agentDir, name: "Tampered" });
        const [version] = await rt.db.db.select({ key: agentVersions.storageKey }).from(agentVersions).where(eq(agentVersions.id, agent.versions[0]!.id));
        const stored = await findBlob(join(rt.dataDir, "blobs"), version!.key);
        const bytes = await readFile(stored);
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0xff, bytes.length - 30);
        await writeFile(stored, bytes);
        const target = join(work, "tampered");
        const error = (await c.install(agent.slug, { dir: target }).catch((e: unknown) => e)) as MarketplaceError;
        expect(error.code).toBe("integrity_error");
        expect(await readdir(work)).not.toContain("tampered");
      }, 60_000);
    }
  });
}

/** The file the embedded store keeps an object's bytes in (src/lib/storage/fs.ts: the key and "~"). */
async function findBlob(dir: string, key: string): Promise<string> {
  const path = join(dir, `${key}~`);
  await readFile(path);
  return path;
}
