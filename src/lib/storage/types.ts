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
  /** Removes local files left by processes that died mid-upload (S3 spool files, filesystem temp files); returns how many. */
  sweepLeftovers?(): Promise<number>;
  close?(): Promise<void>;
}

export class ObjectMissing extends Error {
  constructor(readonly key: string) {
    super(`Object '${key}' does not exist`);
    this.name = "ObjectMissing";
  }
}

export class RangeNotSatisfiable extends Error {
  constructor(
    readonly key: string,
    readonly totalSize: number,
  ) {
    super(`Range not satisfiable for '${key}' (size ${totalSize})`);
    this.name = "RangeNotSatisfiable";
  }
}
