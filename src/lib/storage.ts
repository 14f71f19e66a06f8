import { resolve } from "node:path";
import type { Env } from "../env.ts";

/**
 * Object storage for uploaded archives. Two implementations share this contract and one
 * test suite: S3 (production; Ceph RGW in tests) and the filesystem (single-node installs).
 */

export interface StoredObject {
  key: string;
  size: number;
  contentType?: string;
  etag?: string;
}

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  /** Last byte included; omitted means to the end of the object. */
  end?: number;
}

export interface ObjectBody {
  body: ReadableStream<Uint8Array>;
  /** Bytes in `body` (the range length when a range was asked for). */
  size: number;
  /** Size of the whole object, needed for `Content-Range`. */
  totalSize: number;
  contentType?: string;
  etag?: string;
}

export interface PutOptions {
  contentType?: string;
  /** When given, a body of any other length is rejected and nothing is stored. */
  size?: number;
}

export interface ObjectStore {
  readonly kind: "s3" | "filesystem";
  /** Streams body into key; never buffers the whole body. Rejects if the stream errors (then nothing is left at key). */
  put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, opts?: PutOptions): Promise<StoredObject>;
  /** null when the key does not exist; throws RangeNotSatisfiable for a range past the end. */
  get(key: string, range?: ByteRange): Promise<ObjectBody | null>;
  head(key: string): Promise<StoredObject | null>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /** Throws ObjectMissing when fromKey does not exist. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Every object whose key starts with prefix (a plain string prefix, as in S3), in key order. */
  list(prefix: string): AsyncIterable<StoredObject & { lastModified: Date }>;
  /**
   * Writes key's bytes to a local file (created or replaced) without holding them in memory;
   * false when the key does not exist. Throws when the bytes could not all be fetched.
   */
  saveToFile(key: string, path: string): Promise<boolean>;
  /** An expiring URL a client can GET the bytes from without credentials. */
  signedUrl(key: string, ttlSeconds: number, opts?: { filename?: string }): Promise<string>;
  /**
   * Where key's bytes live on this machine's disk, for a store that keeps them there, so a
   * response can be sent from the file itself (sendfile, with a Content-Length).
   */
  localPath?(key: string): string;
  /** Throws when the store is unreachable or unusable. */
  ping(): Promise<void>;
  close?(): Promise<void>;
}

export class ObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`Object '${key}' does not exist`);
    this.name = "ObjectMissing";
  }
}

export class RangeNotSatisfiable extends Error {
  constructor(readonly key: string, readonly totalSize: number) {
    super(`Range not satisfiable for '${key}' (size ${totalSize})`);
    this.name = "RangeNotSatisfiable";
  }
}

// Characters that are safe unescaped in S3 keys, URLs and file names alike; `~` is left out
// on purpose because the filesystem store uses it to mark its own files.
const KEY_CHARS = /^[A-Za-z0-9._\-/=+@,!]+$/;
const MAX_KEY_LENGTH = 1024;

/** Throws a plain Error when key could escape its namespace or misbehave on some backend. */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem) throw new Error(`Invalid object key ${JSON.stringify(key)}: ${problem}`);
}

/** Like assertValidKey, but allows the empty prefix and a trailing `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === "") return;
  const problem = keyProblem(prefix, true);
  if (problem) throw new Error(`Invalid object key prefix ${JSON.stringify(prefix)}: ${problem}`);
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "empty";
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (key.includes("\0")) return "contains NUL";
  if (key.includes("\\")) return "contains a backslash";
  if (key.startsWith("/")) return "starts with '/'";
  if (key.includes("..")) return "contains '..'";
  if (!KEY_CHARS.test(key)) return "contains characters outside [A-Za-z0-9._-/=+@,!]";
  if (key.includes("//")) return "contains an empty path segment";
  if (!isPrefix && key.endsWith("/")) return "ends with '/'";
  if (key.split("/").some((segment) => segment === ".")) return "contains a '.' segment";
  return undefined;
}

/** `Content-Disposition: attachment` value that survives any filename (quotes, UTF-8). */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Wraps a body so its bytes are counted as they pass and a length mismatch with `expected`
 * errors the stream *before* it ends, so the backend never commits a short or long object.
 */
export function countingStream(
  body: ReadableStream<Uint8Array> | Uint8Array,
  expected: number | undefined,
): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  let count = 0;
  const source = body instanceof Uint8Array ? singleChunk(body) : body;
  const reader = source.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        if (expected !== undefined && count !== expected) {
          controller.error(new Error(`Body is ${count} bytes, expected ${expected}`));
        } else controller.close();
        return;
      }
      count += value.byteLength;
      if (expected !== undefined && count > expected) {
        const error = new Error(`Body is longer than the expected ${expected} bytes`);
        controller.error(error);
        await reader.cancel(error).catch(() => {});
        return;
      }
      controller.enqueue(value);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { stream, bytes: () => count };
}

function singleChunk(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** S3 when an endpoint or credentials are configured, otherwise files under DATA_DIR/blobs. */
export async function createObjectStore(env: Env): Promise<ObjectStore> {
  if (env.S3_ENDPOINT || env.S3_ACCESS_KEY) {
    const { createS3Store } = await import("./storage-s3.ts");
    return createS3Store({
      endpoint: env.S3_ENDPOINT,
      bucket: env.S3_BUCKET,
      accessKey: env.S3_ACCESS_KEY,
      secretKey: env.S3_SECRET_KEY,
      region: env.S3_REGION,
      // Custom endpoints (RGW, MinIO, ...) rarely have wildcard DNS for virtual-host buckets.
      forcePathStyle: env.S3_FORCE_PATH_STYLE || env.S3_ENDPOINT !== undefined,
      spoolDir: resolve(env.DATA_DIR, "tmp", "s3-uploads"),
    });
  }
  const { createFilesystemStoreFromEnv } = await import("./storage-fs.ts");
  return createFilesystemStoreFromEnv(env);
}
