import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { readTestEnv } from "../env.ts";
import { createS3Store, type S3Store } from "./storage-s3.ts";

const testEnv = readTestEnv();
const MiB = 1024 * 1024;

/** Part boundaries of the streaming multipart upload, against a real S3 (Ceph RGW). */
describe.skipIf(!testEnv.TEST_S3_ENDPOINT)("S3 streaming upload", () => {
  let store: S3Store;

  beforeAll(async () => {
    store = (await createS3Store({
      endpoint: testEnv.TEST_S3_ENDPOINT,
      accessKey: testEnv.TEST_S3_ACCESS_KEY,
      secretKey: testEnv.TEST_S3_SECRET_KEY,
      region: testEnv.TEST_S3_REGION,
      bucket: `am-multipart-${testEnv.TEST_RUN_ID}-${process.pid}`.replaceAll("_", "-").toLowerCase().slice(0, 63),
      forcePathStyle: true,
    })) as S3Store;
  });
  afterAll(async () => {
    for await (const object of store.list("")) await store.delete(object.key);
    await store.close();
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
    const stored = await store.put(key, stream, { size });
    expect(stored.size).toBe(size);
    const read = await store.get(key);
    expect(new Uint8Array(await new Response(read!.body).arrayBuffer())).toEqual(bytes);
    const unfinished = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
    expect(unfinished.Uploads ?? []).toEqual([]);
  });
});
