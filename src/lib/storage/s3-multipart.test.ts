import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { readTestEnv } from "../../env.ts";
import { createS3Store, S3Store } from "./s3.ts";
import { removeStaleSpoolFiles } from "./s3-multipart.ts";

const testEnv = readTestEnv();
const MiB = 1024 * 1024;

/** Part boundaries of the streaming multipart upload, against a real S3 (Ceph RGW). */
describe.skipIf(!testEnv.TEST_S3_ENDPOINT)("S3 streaming upload", () => {
  let store: S3Store;
  let spoolDir: string;
  const options = () => ({
    endpoint: testEnv.TEST_S3_ENDPOINT,
    accessKey: testEnv.TEST_S3_ACCESS_KEY,
    secretKey: testEnv.TEST_S3_SECRET_KEY,
    region: testEnv.TEST_S3_REGION,
    bucket: `am-multipart-${testEnv.TEST_RUN_ID}-${process.pid}`.replaceAll("_", "-").toLowerCase().slice(0, 63),
    forcePathStyle: true,
    spoolDir,
  });

  beforeAll(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), "am-spool-test-"));
    store = (await createS3Store(options())) as S3Store;
  });
  afterAll(async () => {
    for await (const object of store.list("")) await store.delete(object.key);
    await store.close();
    await rm(spoolDir, { recursive: true, force: true });
  });

  /** `size` random bytes in chunks of `chunk` bytes, so chunk and part edges fall anywhere. */
  function body(size: number, chunk: number): { bytes: Uint8Array<ArrayBuffer>; stream: ReadableStream<Uint8Array> } {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(i + 65_536, size)));
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= size) return controller.close();
        controller.enqueue(bytes.slice(at, at + chunk));
        at += chunk;
      },
    });
    return { bytes, stream };
  }

  test.each([
    ["exactly one part", 5 * MiB, 65_536],
    ["one byte past a part", 5 * MiB + 1, 1_000_003],
    ["exactly two parts", 10 * MiB, 7 * MiB],
    ["two and a bit parts, big chunks", 11 * MiB + 17, 3 * MiB],
  ])("%s streams intact and leaves no unfinished upload", async (_, size, chunk) => {
    const key = `boundary/${size}-${chunk}`;
    const { bytes, stream } = body(size, chunk);
    const stored = await store.put(key, stream, { size, contentType: "application/zip" });
    expect(stored.size).toBe(size);
    expect(stored.etag).toMatch(/^[0-9a-f]{32}(-\d+)?$/);
    const read = await store.get(key);
    expect(read!.contentType).toBe("application/zip");
    expect(new Uint8Array(await new Response(read!.body).arrayBuffer())).toEqual(bytes);
    const unfinished = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
    expect(unfinished.Uploads ?? []).toEqual([]);
    expect(await readdir(spoolDir)).toEqual([]);
  });

  test.each([
    ["a small body", 1_000, 1_000],
    ["a multipart body", 6 * MiB, MiB],
  ])("S3 refusing %s fails the put with S3's answer and removes the spool file", async (_, size) => {
    // The bucket does not exist, so S3 answers every upload request with 404 NoSuchBucket.
    const missing = new S3Store({ ...options(), bucket: `${options().bucket.slice(0, 50)}-missing` });
    const { stream } = body(size, MiB);
    await expect(missing.put("never/there", stream)).rejects.toThrow(/NoSuchBucket|404/);
    expect(await readdir(spoolDir)).toEqual([]);
    await missing.close();
  });

  test("removes spool files a crashed process left, and only old ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "am-spool-stale-"));
    try {
      await writeFile(join(dir, "old.part"), "x");
      await writeFile(join(dir, "fresh.part"), "x");
      await writeFile(join(dir, "unrelated.txt"), "x");
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await utimes(join(dir, "old.part"), twoDaysAgo, twoDaysAgo);
      await removeStaleSpoolFiles(dir);
      expect((await readdir(dir)).sort()).toEqual(["fresh.part", "unrelated.txt"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
