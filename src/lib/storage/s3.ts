import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { S3_ATTEMPTS } from "../../env.ts";
import { attachmentDisposition } from "./disposition.ts";
import { assertValidKey, assertValidPrefix } from "./keys.ts";
import { describeFailure, errorName, isNotFound, refusal, statusOf } from "./s3-errors.ts";
import { removeStaleSpoolFiles, uploadStream } from "./s3-multipart.ts";
import { countingStream } from "./streams.ts";
import { type ByteRange, type ObjectBody, ObjectMissing, type ObjectStore, type PutOptions, RangeNotSatisfiable, type StoredObject } from "./types.ts";

export interface S3StoreOptions {
  /** Omit for AWS itself. */
  endpoint?: string;
  bucket: string;
  accessKey?: string;
  secretKey?: string;
  region: string;
  forcePathStyle?: boolean;
  /** Create the bucket when missing (default true). */
  ensureBucket?: boolean;
  /** Milliseconds to wait for a TCP connection (default 5000). */
  connectTimeoutMs?: number;
  /** Milliseconds a request may go without progress (default 60000). */
  requestTimeoutMs?: number;
  /** Streamed uploads pass through a file here (default: the system temp dir). */
  spoolDir?: string;
}

// S3's smallest part; uploads send 5 MiB file slices, so the size costs no memory.
const PART_SIZE = 5 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

export async function createS3Store(options: S3StoreOptions): Promise<ObjectStore> {
  const store = new S3Store(options);
  if (options.ensureBucket !== false) await store.ensureBucket();
  void removeStaleSpoolFiles(store.spoolDir);
  return store;
}

export class S3Store implements ObjectStore {
  readonly kind = "s3" as const;
  readonly bucket: string;
  readonly client: S3Client;
  readonly spoolDir: string;
  private readonly options: S3StoreOptions;

  constructor(options: S3StoreOptions) {
    this.options = options;
    this.bucket = options.bucket;
    this.spoolDir = options.spoolDir ?? join(tmpdir(), "agent-marketplace-s3-spool");
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: options.accessKey && options.secretKey ? { accessKeyId: options.accessKey, secretAccessKey: options.secretKey } : undefined,
      // Flexible checksums (the SDK default since 3.729) add CRC headers or aws-chunked
      // trailers that not every S3 clone understands, and refuse plain PutObject of a stream;
      // plain SigV4 works everywhere, and callers verify the archive's sha256 themselves.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // Without throwOnRequestTimeout smithy only logs a warning past requestTimeout and the
      // request waits forever on an endpoint that accepts connections but never answers.
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
      maxAttempts: S3_ATTEMPTS,
    });
  }

  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw describeFailure(error, this.options.endpoint);
    }
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          // Only AWS wants a location outside us-east-1; RGW rejects unknown zonegroup names.
          CreateBucketConfiguration:
            !this.options.endpoint && this.options.region !== "us-east-1" ? { LocationConstraint: this.options.region as never } : undefined,
        }),
      );
    } catch (error) {
      // Another process created it first: that is the outcome we wanted.
      if (errorName(error) !== "BucketAlreadyOwnedByYou") throw error;
    }
  }

  async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, opts: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    if (body instanceof Uint8Array) {
      if (opts.size !== undefined && opts.size !== body.byteLength) {
        throw new Error(`Body is ${body.byteLength} bytes, expected ${opts.size}`);
      }
      const result = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          ContentType: opts.contentType,
        }),
      );
      return { key, size: body.byteLength, contentType: opts.contentType, etag: stripQuotes(result.ETag) };
    }
    // Multipart past one part, aborted when the body errors: a failed stream leaves neither an
    // object nor orphaned parts behind.
    const counted = countingStream(body, opts.size);
    const result = await uploadStream(
      {
        client: this.client,
        bucket: this.bucket,
        key,
        contentType: opts.contentType,
        partSize: PART_SIZE,
        spoolDir: this.spoolDir,
        requestTimeoutMs: this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      },
      counted.stream,
    );
    // Ceph RGW's CompleteMultipartUpload answer parses to an empty ETag; ask for the real one.
    const etag = stripQuotes(result.etag) || (await this.head(key))?.etag;
    return { key, size: counted.bytes(), contentType: opts.contentType, etag };
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    assertValidKey(key);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range ? rangeHeader(range) : undefined }));
      if (!result.Body) throw new Error(`S3 returned no body for '${key}'`);
      const size = result.ContentLength ?? 0;
      return {
        body: result.Body.transformToWebStream() as ReadableStream<Uint8Array>,
        size,
        totalSize: totalFromContentRange(result.ContentRange) ?? size,
        contentType: result.ContentType,
        etag: stripQuotes(result.ETag),
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      if (statusOf(error) === 416) {
        const head = await this.head(key);
        throw new RangeNotSatisfiable(key, head?.size ?? 0);
      }
      throw error;
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    assertValidKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: result.ContentLength ?? 0, contentType: result.ContentType, etag: stripQuotes(result.ETag) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    assertValidKey(fromKey);
    assertValidKey(toKey);
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: `${this.bucket}/${encodeKey(fromKey)}`,
        }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new ObjectMissing(fromKey);
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject & { lastModified: Date }> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const item of page.Contents ?? []) {
        if (!item.Key) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          etag: stripQuotes(item.ETag),
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Through a short-lived signed URL handed to Bun.write, which moves the body to the file
   * natively: +0.1 MiB for a 50 MiB object, where the SDK's node-stream body cost ~35 MiB.
   */
  async saveToFile(key: string, path: string): Promise<boolean> {
    // Bounded like the SDK's requests: an endpoint that accepts and never answers must fail the
    // download (503) instead of holding it. Only the wait for the answer's head is bounded here.
    const waitMs = (this.options.connectTimeoutMs ?? 5_000) + (this.options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
    const response = await fetch(await this.signedUrl(key, 300), { signal: AbortSignal.timeout(waitMs) }).catch((error: unknown) => {
      throw describeFailure(error, this.options.endpoint);
    });
    if (!response.ok || !response.body) {
      const error = await refusal(response, `a download of '${key}'`);
      // A signed GET of a missing key may be 403 where the credentials cannot list the bucket.
      if ((await this.head(key)) === null) return false;
      throw error;
    }
    const expected = Number(response.headers.get("content-length") ?? Number.NaN);
    const written = await Bun.write(path, response);
    if (Number.isFinite(expected) && written !== expected) {
      throw new Error(`S3 sent ${written} of the ${expected} bytes of '${key}'`);
    }
    return true;
  }

  async signedUrl(key: string, ttlSeconds: number, opts: { filename?: string } = {}): Promise<string> {
    assertValidKey(key);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: opts.filename ? attachmentDisposition(opts.filename) : undefined,
    });
    return getSignedUrl(this.client, command, { expiresIn: Math.max(1, Math.floor(ttlSeconds)) });
  }

  async ping(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      throw describeFailure(error, this.options.endpoint);
    }
  }

  sweepLeftovers(): Promise<number> {
    return removeStaleSpoolFiles(this.spoolDir);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function rangeHeader(range: ByteRange): string {
  if (!Number.isInteger(range.start) || range.start < 0) throw new Error(`Invalid range start ${range.start}`);
  if (range.end !== undefined && (!Number.isInteger(range.end) || range.end < range.start)) {
    throw new Error(`Invalid range end ${range.end}`);
  }
  return `bytes=${range.start}-${range.end ?? ""}`;
}

function totalFromContentRange(value: string | undefined): number | undefined {
  const match = value?.match(/\/(\d+)$/);
  return match?.[1] ? Number(match[1]) : undefined;
}

function encodeKey(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

function stripQuotes(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, "");
}
