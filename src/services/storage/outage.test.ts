import { beforeAll, describe, expect, test } from "bun:test";
import { readTestEnv } from "../../env.ts";
import { S3Store } from "../../lib/storage/s3.ts";
import { sessionFor } from "../../testing/auth.ts";
import { makeCategory, makeUser } from "../../testing/factories.ts";
import { useTestApp } from "../../testing/harness.ts";
import { leftovers, multipartInit, publishParts, publishViaHttp } from "../../testing/uploads.ts";
import { sampleAgentZip, zipOfSize } from "../../testing/zip.ts";

const testEnv = readTestEnv();

/**
 * S3 going away under a running server: uploads and first downloads answer 503 (the client did
 * nothing wrong and may retry) and publish nothing. The outage is real: the runtime's store is
 * swapped for one whose endpoint refuses connections.
 */
describe.skipIf(!testEnv.TEST_S3_ENDPOINT)("archive storage outage [services]", () => {
  const t = useTestApp("services");
  const ctx = { token: "", category: "" };

  beforeAll(async () => {
    ctx.token = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
    ctx.category = (await makeCategory(t.rt.db.db)).slug;
  });

  async function duringOutage<T>(fn: () => Promise<T>): Promise<T> {
    const storage = t.rt.storage;
    t.rt.storage = new S3Store({
      endpoint: "http://127.0.0.1:1",
      bucket: "unreachable",
      accessKey: "k",
      secretKey: "s",
      region: "us-east-1",
      connectTimeoutMs: 500,
    });
    try {
      return await fn();
    } finally {
      t.rt.storage = storage;
    }
  }

  test.each([
    ["a small archive (one PutObject)", "Outage Small Agent", 20_000],
    ["a multipart archive", "Outage Large Agent", 6 * 1024 * 1024],
  ])("publishing %s is 503 and leaves no agent or version", async (_, name, size) => {
    const res = await duringOutage(() =>
      t.fetch(
        "/api/v1/agents",
        multipartInit("POST", publishParts({ category: ctx.category, name, code: zipOfSize(size) }), { authorization: `Bearer ${ctx.token}` }),
      ),
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: "service_unavailable",
      detail: "Archive storage is unavailable, so nothing was published; try again later",
    });
    expect(await leftovers(t.rt, name)).toMatchObject({ agents: 0, versions: 0 });
  });

  test("the first download of an archive is 503 while storage is down, and works once it is back", async () => {
    const code = sampleAgentZip("outage");
    const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Outage Download Agent", code });
    const down = await duringOutage(() => t.fetch(`/api/v1/agents/${agent.slug}/download`));
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: "service_unavailable", detail: "Archive storage is unavailable; try the download again later" });

    const back = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
    expect(back.status).toBe(200);
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(code);
  });
});
