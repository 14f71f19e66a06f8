import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import type { Runtime } from "../../src/runtime.ts";
import { sessionFor } from "../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { createTestRuntime, TEST_MODES } from "../../src/testing/harness.ts";
import { zipOfSize } from "../../src/testing/zip.ts";
import { createMarketplaceClient } from "./index.ts";

/** Publish whole bytes (FormData, as in a browser), read through the typed tRPC client, download and compare. */
for (const mode of TEST_MODES) {
  describe(`typed client round trip [${mode}]`, () => {
    let rt: Runtime;
    let server: ReturnType<typeof Bun.serve>;

    beforeAll(async () => {
      rt = await createTestRuntime(mode);
      const { fetch } = createApp(rt);
      server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        maxRequestBodySize: rt.env.MAX_UPLOAD_BYTES + 1024 * 1024,
        fetch: (request, srv) => fetch(request, srv),
      });
    }, 60_000);
    afterAll(async () => {
      await server?.stop(true);
      await rt?.close();
    });

    test("publish over REST, read over tRPC, download the same bytes with the same SHA-256", async () => {
      const user = await makeUser(rt.db.db);
      const token = (await sessionFor(rt, user)).access_token;
      const category = await makeCategory(rt.db.db);
      const archive = zipOfSize(3 * 1024 * 1024 + 17);
      const sha256 = new Bun.CryptoHasher("sha256").update(archive).digest("hex");

      const client = createMarketplaceClient({ url: server.url.href, token });
      // Whole bytes go as FormData, the way a browser sends them.
      const { slug } = await client.publish({
        name: "Round Trip Agent",
        description: "Published by the typed client test",
        category: category.name,
        version: "1.0.0",
        zip: new Blob([archive]),
      });

      const [agent, versions, link] = await Promise.all([
        client.agents.get.query({ slug }),
        client.versions.list.query({ slug }),
        client.versions.downloadUrl.query({ slug }),
      ]);
      expect(agent).toMatchObject({ slug, name: "Round Trip Agent", current_version: "1.0.0", validation_status: "pending", category: category.slug });
      expect(versions.items[0]).toMatchObject({ version: "1.0.0", sha256, size_bytes: archive.length });
      expect(link).toMatchObject({ sha256, size_bytes: archive.length, version: "1.0.0" });

      const download = await client.download(slug);
      expect(download).toMatchObject({ version: "1.0.0", sizeBytes: archive.length, etag: sha256 });
      const bytes = new Uint8Array(await new Response(download.body).arrayBuffer());
      expect(bytes.length).toBe(archive.length);
      expect(new Bun.CryptoHasher("sha256").update(bytes).digest("hex")).toBe(sha256);
      expect(bytes).toEqual(archive);

      // The signed URL from tRPC serves the same bytes (an app-signed URL names PUBLIC_URL, not this test port).
      const signed = new URL(link.url);
      const viaLink = new Uint8Array(
        await (await fetch(signed.pathname.startsWith("/files/") ? `${server.url.origin}${signed.pathname}${signed.search}` : link.url)).arrayBuffer(),
      );
      expect(new Bun.CryptoHasher("sha256").update(viaLink).digest("hex")).toBe(sha256);
    }, 60_000);
  });
}
