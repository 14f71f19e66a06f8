import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AbortMultipartUploadCommand, DeleteBucketCommand, GetObjectCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { envWith, readTestEnv } from "../../env.ts";
import { createObjectStore } from "./factory.ts";
import { createFilesystemStore, FilesystemStore } from "./fs.ts";
import { createS3Store, type S3Store } from "./s3.ts";
import { encodeKeyPath, fileUrlSignature, resolveSigningSecret, verifySignedFileUrl } from "./signed-urls.ts";
import { ObjectMissing, type ObjectStore, RangeNotSatisfiable } from "./types.ts";

/**
 * One contract, two backends: every test below runs against the filesystem store and against
 * a real S3 (Ceph RGW from scripts/services/ceph.sh), so the two cannot drift apart.
 */

const MiB = 1024 * 1024;
const SLOW = 30_000;

interface Harness {
  store: ObjectStore;
  /** A URL for key whose validity ended an hour ago. */
  expiredUrl(key: string): Promise<string>;
  /** Upload debris for key (temp files, unfinished multipart uploads); must be 0 after a failed put. */
  leftovers(key: string): Promise<number>;
  /** A store of the same kind whose backend is gone. */
  unreachable(): Promise<ObjectStore>;
  teardown(): Promise<void>;
}

interface Backend {
  name: "filesystem" | "s3";
  /** false: the tests are reported as skipped. */
  enabled: boolean;
  setup(): Promise<Harness>;
}

const testEnv = readTestEnv();

const backends: Backend[] = [
  { name: "filesystem", enabled: true, setup: setupFilesystem },
  { name: "s3", enabled: Boolean(testEnv.TEST_S3_ENDPOINT) || testEnv.TEST_REQUIRE_S3, setup: setupS3 },
];

if (!testEnv.TEST_S3_ENDPOINT) {
  console.warn(
    testEnv.TEST_REQUIRE_S3
      ? "[storage.test] TEST_REQUIRE_S3 is set but TEST_S3_ENDPOINT is not: the S3 tests will FAIL."
      : "[storage.test] S3 not configured (TEST_S3_ENDPOINT unset): S3 storage tests are SKIPPED. " +
          "Run scripts/services/ceph.sh start /tmp/am-ceph 7480 and set TEST_S3_ENDPOINT=http://127.0.0.1:7480 " +
          "TEST_S3_ACCESS_KEY=am-test-key TEST_S3_SECRET_KEY=am-test-secret.",
  );
}

for (const backend of backends) {
  const it = backend.enabled ? test : test.skip;

  describe(`ObjectStore (${backend.name})`, () => {
    let harness: Harness | undefined;
    let setupError: unknown;
    let counter = 0;

    beforeAll(async () => {
      if (!backend.enabled) return;
      try {
        harness = await backend.setup();
      } catch (error) {
        setupError = error;
      }
    }, SLOW);

    afterAll(async () => {
      await harness?.teardown();
    }, SLOW);

    // Each test throws the setup failure itself, so a missing S3 shows up as failed tests.
    const h = (): Harness => {
      if (!harness) throw setupError ?? new Error(`${backend.name} harness was not set up`);
      return harness;
    };
    const freshKey = (name: string) => `t${++counter}/${name}`;

    it("stores and returns bytes given as a Uint8Array", async () => {
      const { store } = h();
      const key = freshKey("small.bin");
      const bytes = randomBytes(1000);
      const stored = await store.put(key, bytes, { contentType: "application/zip" });
      expect(stored).toMatchObject({ key, size: 1000 });
      expect(stored.etag).toBeString();

      const got = await store.get(key);
      expect(got).not.toBeNull();
      expect(got!.size).toBe(1000);
      expect(got!.totalSize).toBe(1000);
      expect(got!.contentType).toBe("application/zip");
      expect(Buffer.compare(await bytesOf(got!.body), bytes)).toBe(0);

      const head = await store.head(key);
      expect(head).toMatchObject({ key, size: 1000, contentType: "application/zip", etag: stored.etag });
    });

    it(
      "streams a ~5 MiB body of many chunks in and out",
      async () => {
        const { store } = h();
        const key = freshKey("big.zip");
        // Over one 5 MiB part, so S3 takes the multipart path.
        const chunks = [...Array.from({ length: 5 }, () => randomBytes(MiB)), randomBytes(12_345)];
        const expected = Buffer.concat(chunks);
        const stored = await store.put(key, streamOf(chunks), { size: expected.byteLength });
        expect(stored.size).toBe(expected.byteLength);

        const head = await store.head(key);
        expect(head?.size).toBe(expected.byteLength);
        expect(stored.etag).toBeTruthy();
        expect(stored.etag).toBe(head!.etag!);
        const got = await store.get(key);
        expect(Buffer.compare(await bytesOf(got!.body), expected)).toBe(0);
      },
      SLOW,
    );

    it("stores an empty body", async () => {
      const { store } = h();
      const key = freshKey("empty");
      expect((await store.put(key, new Uint8Array(0))).size).toBe(0);
      const got = await store.get(key);
      expect(got?.size).toBe(0);
      expect((await bytesOf(got!.body)).byteLength).toBe(0);
    });

    it("reads byte ranges", async () => {
      const { store } = h();
      const key = freshKey("range.bin");
      const bytes = randomBytes(1000);
      await store.put(key, bytes);

      const middle = await store.get(key, { start: 10, end: 19 });
      expect(middle).toMatchObject({ size: 10, totalSize: 1000 });
      expect(Buffer.compare(await bytesOf(middle!.body), bytes.subarray(10, 20))).toBe(0);

      const tail = await store.get(key, { start: 990 });
      expect(tail).toMatchObject({ size: 10, totalSize: 1000 });
      expect(Buffer.compare(await bytesOf(tail!.body), bytes.subarray(990))).toBe(0);

      await expect(store.get(key, { start: 5000 })).rejects.toBeInstanceOf(RangeNotSatisfiable);
    });

    it("answers null for a missing key", async () => {
      const { store } = h();
      expect(await store.get(freshKey("missing"))).toBeNull();
      expect(await store.head(freshKey("missing"))).toBeNull();
    });

    it("deletes idempotently", async () => {
      const { store } = h();
      const key = freshKey("gone");
      await store.put(key, randomBytes(10));
      await store.delete(key);
      await store.delete(key);
      await store.delete(freshKey("never-existed"));
      expect(await store.head(key)).toBeNull();
      expect(await store.get(key)).toBeNull();
    });

    it("overwrites an existing key", async () => {
      const { store } = h();
      const key = freshKey("twice");
      await store.put(key, randomBytes(10));
      const second = randomBytes(20);
      await store.put(key, second);
      const got = await store.get(key);
      expect(Buffer.compare(await bytesOf(got!.body), second)).toBe(0);
    });

    it("copies an object and refuses a missing source", async () => {
      const { store } = h();
      const from = freshKey("source.zip");
      const to = freshKey("nested/target.zip");
      const bytes = randomBytes(4096);
      await store.put(from, bytes, { contentType: "application/zip" });
      await store.copy(from, to);

      const copied = await store.get(to);
      expect(Buffer.compare(await bytesOf(copied!.body), bytes)).toBe(0);
      expect(copied!.contentType).toBe("application/zip");
      expect((await store.head(from))?.size).toBe(4096);
      await expect(store.copy(freshKey("no-such-source"), freshKey("x"))).rejects.toBeInstanceOf(ObjectMissing);
    });

    it(
      "saves an object to a local file, says false for a missing one, and fails like get when the backend is gone",
      async () => {
        const { store, unreachable } = h();
        const key = freshKey("save-to-file.zip");
        const bytes = randomBytes(6 * MiB + 3);
        await store.put(key, bytes);
        const dir = await mkdtemp(join(tmpdir(), "am-save-"));
        try {
          const target = join(dir, "copy.zip");
          await Bun.write(target, "stale bytes that must be replaced");
          expect(await store.saveToFile(key, target)).toBe(true);
          expect(Buffer.compare(Buffer.from(await Bun.file(target).arrayBuffer()), bytes)).toBe(0);
          expect(await store.saveToFile(freshKey("no-such-object"), join(dir, "missing.zip"))).toBe(false);
          expect(await readdir(dir)).toEqual(["copy.zip"]);
          const gone = await unreachable();
          // A vanished blob directory holds no objects (get answers null); an unreachable S3 is an error.
          if (backend.name === "filesystem") expect(await gone.saveToFile(key, join(dir, "never.zip"))).toBe(false);
          else await expect(gone.saveToFile(key, join(dir, "never.zip"))).rejects.toThrow();
          expect(await readdir(dir)).toEqual(["copy.zip"]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
      SLOW,
    );

    it("lists by plain string prefix, in key order", async () => {
      const { store } = h();
      const base = freshKey("list");
      const keys = [`${base}/a/2`, `${base}/a/1`, `${base}/a.b`, `${base}/ab`, `${base}/b/1`, `${base}/a/deep/x`];
      for (const [i, key] of keys.entries()) await store.put(key, randomBytes(i + 1));

      const all = await collect(store.list(`${base}/`));
      expect(all.map((o) => o.key)).toEqual([`${base}/a.b`, `${base}/a/1`, `${base}/a/2`, `${base}/a/deep/x`, `${base}/ab`, `${base}/b/1`]);
      expect(all.find((o) => o.key === `${base}/ab`)?.size).toBe(4);
      for (const item of all) expect(item.lastModified).toBeInstanceOf(Date);

      expect((await collect(store.list(`${base}/a`))).map((o) => o.key)).toEqual([
        `${base}/a.b`,
        `${base}/a/1`,
        `${base}/a/2`,
        `${base}/a/deep/x`,
        `${base}/ab`,
      ]);
      expect((await collect(store.list(`${base}/a/`))).map((o) => o.key)).toEqual([`${base}/a/1`, `${base}/a/2`, `${base}/a/deep/x`]);
      expect(await collect(store.list(`${base}/zzz`))).toEqual([]);
      expect(await collect(store.list(freshKey("nothing-here/")))).toEqual([]);
    });

    it("survives concurrent puts and deletes in one directory", async () => {
      const { store } = h();
      const dir = freshKey("busy");
      // Deletes prune empty directories; puts racing them into the same directory must still land.
      for (let round = 0; round < 5; round++) {
        const keys = Array.from({ length: 12 }, (_, i) => `${dir}/r${round}-${i}`);
        await Promise.all(keys.map((key, i) => (i % 2 ? store.put(key, randomBytes(64)).then(() => store.delete(key)) : store.put(key, randomBytes(64)))));
        for (const [i, key] of keys.entries()) expect((await store.head(key))?.size).toBe(i % 2 ? undefined : 64);
        await Promise.all(keys.map((key) => store.delete(key)));
      }
      expect(await collect(store.list(`${dir}/`))).toEqual([]);
    });

    it(
      "leaves nothing behind when the body stream errors midway",
      async () => {
        const { store, leftovers } = h();
        // Small: fails inside the first part. Large: fails after a multipart part went up.
        for (const [name, chunks] of [
          ["small-fail", [randomBytes(100_000)]],
          ["large-fail", Array.from({ length: 7 }, () => randomBytes(MiB))],
        ] as const) {
          const key = freshKey(name);
          await expect(store.put(key, streamOf([...chunks], new Error("client went away")))).rejects.toThrow("client went away");
          expect(await store.head(key)).toBeNull();
          expect(await store.get(key)).toBeNull();
          expect(await leftovers(key)).toBe(0);
        }
      },
      SLOW,
    );

    it("keeps the previous object when an overwrite fails", async () => {
      const { store } = h();
      const key = freshKey("keep");
      const original = randomBytes(300);
      await store.put(key, original);
      await expect(store.put(key, streamOf([randomBytes(50)], new Error("boom")))).rejects.toThrow("boom");
      const got = await store.get(key);
      expect(Buffer.compare(await bytesOf(got!.body), original)).toBe(0);
    });

    it("rejects a body whose length differs from the declared size", async () => {
      const { store, leftovers } = h();
      const short = freshKey("short");
      const long = freshKey("long");
      await expect(store.put(short, streamOf([randomBytes(10)]), { size: 11 })).rejects.toThrow("expected 11");
      await expect(store.put(long, streamOf([randomBytes(10), randomBytes(10)]), { size: 15 })).rejects.toThrow("expected 15");
      await expect(store.put(long, randomBytes(10), { size: 9 })).rejects.toThrow("expected 9");
      expect(await store.head(short)).toBeNull();
      expect(await store.head(long)).toBeNull();
      expect(await leftovers(short)).toBe(0);
    });

    it("rejects invalid keys everywhere", async () => {
      const { store } = h();
      const bad = ["", "/abs", "..", "a/../b", "a/..", "a..b", "a\\b", "a\0b", "a//b", "a/", "./a", "sp ace", "t~", "é", "a?b", "a#b"];
      for (const key of bad) {
        await expect(store.put(key, randomBytes(1))).rejects.toThrow("Invalid object key");
        await expect(store.get(key)).rejects.toThrow("Invalid object key");
        await expect(store.head(key)).rejects.toThrow("Invalid object key");
        await expect(store.delete(key)).rejects.toThrow("Invalid object key");
        await expect(store.copy("ok", key)).rejects.toThrow("Invalid object key");
        await expect(store.signedUrl(key, 60)).rejects.toThrow("Invalid object key");
      }
      await expect(collect(store.list("../"))).rejects.toThrow("Invalid object key prefix");
      await expect(collect(store.list("/x"))).rejects.toThrow("Invalid object key prefix");
      // Every allowed character round-trips.
      const odd = freshKey("A-z_0.9=+@,!/file.zip");
      await store.put(odd, randomBytes(3));
      expect((await store.head(odd))?.size).toBe(3);
    });

    it(
      "serves a signed URL without credentials, and refuses tampered or expired ones",
      async () => {
        const { store, expiredUrl } = h();
        const key = freshKey("agents/demo-1.0.0.zip");
        const bytes = randomBytes(2048);
        await store.put(key, bytes, { contentType: "application/zip" });

        const url = await store.signedUrl(key, 120, { filename: 'demo "1".zip' });
        const ok = await fetch(url);
        expect(ok.status).toBe(200);
        expect(Buffer.compare(Buffer.from(await ok.arrayBuffer()), bytes)).toBe(0);
        expect(ok.headers.get("content-disposition")).toContain("attachment");
        expect(ok.headers.get("content-disposition")).toContain("demo");

        const plain = await fetch(await store.signedUrl(key, 120));
        expect(plain.status).toBe(200);
        await plain.arrayBuffer();

        const other = freshKey("other.zip");
        await store.put(other, randomBytes(10));
        const tamperedKey = url.replace(encodeKeyPath(key), encodeKeyPath(other));
        expect(tamperedKey).not.toBe(url);
        expect((await drain(fetch(tamperedKey))).status).toBe(403);

        const tamperedSig = flipLastHexOf(url, backend.name === "s3" ? "X-Amz-Signature" : "sig");
        expect((await drain(fetch(tamperedSig))).status).toBe(403);

        expect((await drain(fetch(await expiredUrl(key)))).status).toBe(403);
      },
      SLOW,
    );

    it(
      "pings a live backend and rejects an unreachable one",
      async () => {
        const { store, unreachable } = h();
        await store.ping();
        const dead = await unreachable();
        try {
          await expect(dead.ping()).rejects.toThrow();
        } finally {
          await dead.close?.();
        }
      },
      SLOW,
    );
  });
}

describe("filesystem signed URLs", () => {
  const secret = "s".repeat(64);
  const parse = (url: string) => {
    const parsed = new URL(url);
    const key = parsed.pathname
      .replace(/^\/files\//, "")
      .split("/")
      .map(decodeURIComponent)
      .join("/");
    const q = parsed.searchParams;
    return { key, expires: q.get("expires"), filename: q.get("filename"), sig: q.get("sig") };
  };

  test("verifySignedFileUrl accepts the URL's own query and nothing else", async () => {
    const store = new FilesystemStore({ root: "/nonexistent", signingSecret: secret, baseUrl: "http://api.test/" });
    const url = await store.signedUrl("agents/x/1.0.0.zip", 300, { filename: "x-1.0.0.zip" });
    expect(url.startsWith("http://api.test/files/agents/x/1.0.0.zip?")).toBe(true);
    const q = parse(url);
    expect(verifySignedFileUrl(secret, q.key, q.expires, q.filename, q.sig)).toBe(true);

    expect(verifySignedFileUrl(secret, "agents/x/1.0.1.zip", q.expires, q.filename, q.sig)).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, q.expires, "evil.exe", q.sig)).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, q.expires, null, q.sig)).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, String(Number(q.expires) + 1), q.filename, q.sig)).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, q.expires, q.filename, flipLastHex(q.sig!))).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, q.expires, q.filename, q.sig!.slice(2))).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, q.expires, q.filename, null)).toBe(false);
    expect(verifySignedFileUrl("t".repeat(64), q.key, q.expires, q.filename, q.sig)).toBe(false);
    expect(verifySignedFileUrl(secret, "../etc/passwd", q.expires, q.filename, q.sig)).toBe(false);
    // Expired: the same URL checked after its expiry time.
    expect(verifySignedFileUrl(secret, q.key, q.expires, q.filename, q.sig, (Number(q.expires) + 1) * 1000)).toBe(false);

    const past = Math.floor(Date.now() / 1000) - 10;
    const pastSig = fileUrlSignature(secret, q.key, past, undefined);
    expect(verifySignedFileUrl(secret, q.key, past, null, pastSig)).toBe(false);
    expect(verifySignedFileUrl(secret, q.key, "soon", null, pastSig)).toBe(false);
  });

  test("resolveSigningSecret prefers SIGNING_SECRET, else generates one file once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "am-secret-"));
    try {
      const fromEnv = "e".repeat(40);
      expect(await resolveSigningSecret({ SIGNING_SECRET: fromEnv, DATA_DIR: dir })).toBe(fromEnv);
      expect(await readdir(dir)).toEqual([]);

      const [first, second] = await Promise.all([
        resolveSigningSecret({ SIGNING_SECRET: undefined, DATA_DIR: join(dir, "data") }),
        resolveSigningSecret({ SIGNING_SECRET: undefined, DATA_DIR: join(dir, "data") }),
      ]);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(second).toBe(first);
      expect(await resolveSigningSecret({ SIGNING_SECRET: undefined, DATA_DIR: join(dir, "data") })).toBe(first);
      expect((await stat(join(dir, "data", "signing-secret"))).mode & 0o777).toBe(0o600);
      expect(await readdir(join(dir, "data"))).toEqual(["signing-secret"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("createObjectStore", () => {
  test("uses the filesystem without S3 settings", async () => {
    const dir = await mkdtemp(join(tmpdir(), "am-factory-"));
    try {
      const store = await createObjectStore(envWith({ DATA_DIR: dir, PUBLIC_URL: "https://reg.example/" }));
      expect(store.kind).toBe("filesystem");
      await store.ping();
      expect(await store.signedUrl("a/b.zip", 60)).toStartWith("https://reg.example/files/a/b.zip?");
      expect(await readdir(dir)).toContain("blobs");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  (testEnv.TEST_S3_ENDPOINT ? test : test.skip)("uses S3 when an endpoint is set, creating the bucket", async () => {
    const bucket = uniqueBucket();
    const store = await createObjectStore(
      envWith({
        S3_ENDPOINT: testEnv.TEST_S3_ENDPOINT,
        S3_ACCESS_KEY: testEnv.TEST_S3_ACCESS_KEY,
        S3_SECRET_KEY: testEnv.TEST_S3_SECRET_KEY,
        S3_REGION: testEnv.TEST_S3_REGION,
        S3_BUCKET: bucket,
      }),
    );
    try {
      expect(store.kind).toBe("s3");
      await store.ping();
      // A second start finds the bucket already there.
      await (store as S3Store).ensureBucket();
    } finally {
      await (store as S3Store).client.send(new DeleteBucketCommand({ Bucket: bucket }));
      await store.close?.();
    }
  });
});

async function setupFilesystem(): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), "am-blobs-"));
  const secret = randomBytes(32).toString("hex");
  let store: FilesystemStore | undefined;
  // Stand-in for the app's /files route: the same checks, so the URLs are exercised for real.
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      if (!url.pathname.startsWith("/files/") || !store) return new Response("not found", { status: 404 });
      const key = url.pathname.slice("/files/".length).split("/").map(decodeURIComponent).join("/");
      const q = url.searchParams;
      if (!verifySignedFileUrl(secret, key, q.get("expires"), q.get("filename"), q.get("sig"))) {
        return new Response("forbidden", { status: 403 });
      }
      const object = await store.get(key);
      if (!object) return new Response("not found", { status: 404 });
      const headers: Record<string, string> = { "content-length": String(object.size) };
      if (object.contentType) headers["content-type"] = object.contentType;
      const filename = q.get("filename");
      if (filename) headers["content-disposition"] = `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`;
      return new Response(object.body, { headers });
    },
  });
  store = await createFilesystemStore({ root, signingSecret: secret, baseUrl: `http://127.0.0.1:${server.port}` });
  const fsStore = store;
  return {
    store: fsStore,
    async expiredUrl(key) {
      const expires = Math.floor(Date.now() / 1000) - 3600;
      const sig = fileUrlSignature(secret, key, expires);
      return `http://127.0.0.1:${server.port}/files/${encodeKeyPath(key)}?expires=${expires}&sig=${sig}`;
    },
    async leftovers(key) {
      const names = await readdir(dirname(join(root, key))).catch(() => [] as string[]);
      return names.filter((name) => name.endsWith("~tmp")).length;
    },
    async unreachable() {
      const gone = await mkdtemp(join(tmpdir(), "am-gone-"));
      const dead = await createFilesystemStore({ root: gone, signingSecret: secret, baseUrl: "http://x" });
      await rm(gone, { recursive: true, force: true });
      return dead;
    },
    async teardown() {
      await server.stop(true);
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function setupS3(): Promise<Harness> {
  const endpoint = testEnv.TEST_S3_ENDPOINT;
  if (!endpoint) {
    throw new Error("TEST_REQUIRE_S3 is set but TEST_S3_ENDPOINT is not; start scripts/services/ceph.sh and set it");
  }
  const options = {
    endpoint,
    bucket: uniqueBucket(),
    accessKey: testEnv.TEST_S3_ACCESS_KEY,
    secretKey: testEnv.TEST_S3_SECRET_KEY,
    region: testEnv.TEST_S3_REGION,
    forcePathStyle: true,
  };
  const store = (await createS3Store(options)) as S3Store;
  const { client, bucket } = store;
  return {
    store,
    async expiredUrl(key) {
      const command = new GetObjectCommand({ Bucket: bucket, Key: key });
      return getSignedUrl(client, command, { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
    },
    async leftovers(key) {
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
      return uploads.Uploads?.length ?? 0;
    },
    async unreachable() {
      return createS3Store({ ...options, endpoint: "http://127.0.0.1:1", ensureBucket: false, connectTimeoutMs: 1000 });
    },
    async teardown() {
      // Leave RGW as we found it: shared by every test run on the machine.
      for await (const item of store.list("")) await store.delete(item.key);
      const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      for (const upload of uploads.Uploads ?? []) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      await store.close();
    },
  };
}

function uniqueBucket(): string {
  return `am-test-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** A stream yielding chunks one per pull, then erroring with `failWith` if given. */
function streamOf(chunks: Uint8Array[], failWith?: Error): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else if (failWith) controller.error(failWith);
      else controller.close();
    },
  });
}

async function bytesOf(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(body).arrayBuffer());
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function drain(response: Promise<Response>): Promise<Response> {
  const answered = await response;
  await answered.arrayBuffer();
  return answered;
}

function flipLastHex(hex: string): string {
  const last = hex.at(-1);
  return hex.slice(0, -1) + (last === "0" ? "1" : "0");
}

/** Edits the URL text in place: re-serialising it could re-encode other signed parameters. */
function flipLastHexOf(url: string, param: string): string {
  const match = url.match(new RegExp(`[?&]${param}=([0-9a-f]+)`));
  if (!match?.[1]) throw new Error(`no ${param} in ${url}`);
  const flipped = url.replace(`${param}=${match[1]}`, `${param}=${flipLastHex(match[1])}`);
  expect(flipped).not.toBe(url);
  return flipped;
}
