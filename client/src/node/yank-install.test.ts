import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../src/app.ts";
import type { Runtime } from "../../../src/runtime.ts";
import { apiTokenFor } from "../../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../../src/testing/factories.ts";
import { createTestRuntime, TEST_MODES } from "../../../src/testing/harness.ts";
import { writeZip } from "../../../src/testing/zip-writer.ts";
import { createMarketplaceClient } from "./index.ts";

const zipSaying = (text: string) =>
  new Uint8Array(
    writeZip([
      { name: "package.json", data: '{"name":"y","main":"index.js"}' },
      { name: "index.js", data: text },
    ]),
  );

/** `install` over a socket: the latest skips a yanked version; a pinned yanked version installs with a warning. */
for (const mode of TEST_MODES) {
  describe(`install and yanked versions [${mode}]`, () => {
    let rt: Runtime & { dataDir: string };
    let server: ReturnType<typeof Bun.serve>;
    let work: string;
    let token: string;
    let slug: string;
    const client = (t?: string) => createMarketplaceClient({ url: server.url.href, token: t });

    beforeAll(async () => {
      rt = await createTestRuntime(mode);
      const { fetch } = createApp(rt);
      server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (r, s) => fetch(r, s) });
      work = await mkdtemp(join(tmpdir(), "sdk-yank-"));
      token = await apiTokenFor(rt, await makeUser(rt.db.db));
      const category = await makeCategory(rt.db.db);
      const published = await client(token).publish({
        name: `Yanked Install ${mode}`,
        description: "An agent with a yanked release",
        category: category.slug,
        version: "1.0.0",
        zip: zipSaying("one"),
      });
      slug = published.slug;
      await client(token).publishVersion(slug, { version: "2.0.0", zip: zipSaying("two") });
    }, 60_000);
    afterAll(async () => {
      await server?.stop(true);
      await rt?.close();
      await rm(work, { recursive: true, force: true });
    });

    test("latest skips the yanked version; the pinned one installs and says it is yanked", async () => {
      const fresh = await client().install(slug, { dir: join(work, "before") });
      expect({ version: fresh.version, warning: fresh.warning }).toEqual({ version: "2.0.0", warning: null });

      await client(token).versions.yank.mutate({ slug, version: "2.0.0", reason: "corrupts state" });

      const latest = await client().install(slug, { dir: join(work, "latest") });
      expect({ version: latest.version, warning: latest.warning }).toEqual({ version: "1.0.0", warning: null });
      expect(await readFile(join(latest.dir, "index.js"), "utf8")).toBe("one");

      const pinned = await client().install(slug, { dir: join(work, "pinned"), version: "2.0.0" });
      expect(pinned.version).toBe("2.0.0");
      expect(pinned.warning).toBe(`${slug}@2.0.0 is yanked: corrupts state`);
      expect(await readFile(join(pinned.dir, "index.js"), "utf8")).toBe("two");
    }, 60_000);
  });
}
