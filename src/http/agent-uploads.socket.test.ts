import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { createApp } from "../app.ts";
import { S3Store } from "../lib/storage/s3.ts";
import type { Runtime } from "../runtime.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { createTestRuntime, TEST_MODES } from "../testing/harness.ts";
import { waitFor } from "../testing/redis-test-support.ts";
import { encodeMultipart, leftovers, multipartInit, orphanedStagingKeys, publishParts } from "../testing/uploads.ts";
import { zipOfSize } from "../testing/zip.ts";

/** Uploads over a real socket: a client that goes away, and an S3 multipart upload cut by the limit. */
const LIMIT = 6 * 1024 * 1024;

for (const mode of TEST_MODES) {
  describe(`uploads over a socket [${mode}]`, () => {
    let rt: Runtime;
    let server: ReturnType<typeof Bun.serve>;
    let token = "";
    let category = "";

    beforeAll(async () => {
      rt = await createTestRuntime(mode, { MAX_UPLOAD_BYTES: String(LIMIT) });
      const { fetch } = createApp(rt);
      server = Bun.serve({ hostname: "127.0.0.1", port: 0, maxRequestBodySize: LIMIT * 4, fetch: (request, srv) => fetch(request, srv) });
      token = (await sessionFor(rt, await makeUser(rt.db.db))).access_token;
      category = (await makeCategory(rt.db.db)).slug;
    }, 60_000);
    afterAll(async () => {
      await server?.stop(true);
      await rt?.close();
    });

    test("a client that disconnects mid-upload leaves no row and no object", async () => {
      const { body, contentType } = encodeMultipart(publishParts({ category, name: "Socket Dropped Agent", code: zipOfSize(2 * 1024 * 1024) }));
      const socket = net.connect(server.port!, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      const head =
        `POST /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer(token).authorization}\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
      socket.write(head);
      socket.write(body.subarray(0, 1024 * 1024));
      // Let the server start streaming the archive to storage, then vanish.
      await waitFor("the upload to start", async () => (await leftovers(rt, "Socket Dropped Agent")).guards.length > 0, { timeoutMs: 10_000 });
      socket.destroy();
      await waitFor(
        "the server to clean up",
        async () => {
          const left = await leftovers(rt, "Socket Dropped Agent");
          return left.guards.length === 0 && left.agents === 0 && (await orphanedStagingKeys(rt)).length === 0;
        },
        { timeoutMs: 15_000 },
      );
      expect(await leftovers(rt, "Socket Dropped Agent")).toMatchObject({ agents: 0, versions: 0, guards: [], objects: [] });
    });

    test("past the limit in a multi-part upload: 413, and no object or unfinished upload is left", async () => {
      const res = await fetch(
        `${server.url}api/v1/agents`,
        multipartInit("POST", publishParts({ category, name: "Too Big Agent", code: zipOfSize(LIMIT + 512 * 1024) }), bearer(token)),
      );
      expect(res.status).toBe(413);
      expect(await leftovers(rt, "Too Big Agent")).toMatchObject({ agents: 0, guards: [], objects: [] });
      if (rt.storage instanceof S3Store) {
        const pending = await rt.storage.client.send(new ListMultipartUploadsCommand({ Bucket: rt.storage.bucket }));
        expect(pending.Uploads ?? []).toEqual([]);
      }
    });
  });
}
