import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { S3_ATTEMPTS } from "../../env.ts";
import { openCreatingDir, writeAll } from "../fs-helpers.ts";
import { processAlive } from "../process-alive.ts";
import { explainSdkFailure, refusal } from "./s3-errors.ts";

/**
 * Streams a body to S3 through a spool file, so memory stays flat whatever the object's size.
 * Every way of sending bytes from JS memory under Bun 1.4 (the SDK's HTTP handler, fetch with a
 * Uint8Array, Bun's own S3 writer) held 30–100 MiB for a 50 MiB object in our measurements, while
 * fetch with a file slice as the body sends from the kernel's page cache (+2 MiB). So each part is
 * written to the spool file as it arrives, and uploaded from there as soon as it is complete:
 * parts still go out while the body is arriving. Parts read from a file can also be retried.
 * A body that fits one part becomes a plain PutObject; a failed body aborts the multipart upload,
 * so neither an object nor orphaned parts are left behind; the spool file is always removed.
 */

export interface StreamUpload {
  client: S3Client;
  bucket: string;
  key: string;
  contentType?: string;
  /** S3's smallest part is 5 MiB (except the last). */
  partSize: number;
  /** Where spool files live; they exist only while their upload runs. */
  spoolDir: string;
  /** Per request to S3 (default 60 s). */
  requestTimeoutMs?: number;
}

const ATTEMPTS = S3_ATTEMPTS;
const URL_TTL_SECONDS = 900;

export async function uploadStream(target: StreamUpload, body: ReadableStream<Uint8Array>): Promise<{ etag?: string }> {
  const { client, bucket, key, contentType, partSize } = target;
  // Named after this process, so the files of a killed one are swept (removeStaleSpoolFiles).
  const spoolPath = join(target.spoolDir, `${process.pid}-${crypto.randomUUID()}.part`);
  const reader = body.getReader();
  const parts: { ETag: string; PartNumber: number }[] = [];
  let uploadId: string | undefined;
  // Parts go out one at a time, in order, while the body keeps arriving.
  let sending: Promise<void> = Promise.resolve();
  let sendFailure: unknown = null;

  const sendPart = (partNumber: number, start: number, end: number) => {
    sending = sending.then(async () => {
      if (sendFailure) return;
      try {
        uploadId ??= (
          await client
            .send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }))
            .catch(explainSdkFailure("starting a multipart upload"))
        ).UploadId;
        const url = await getSignedUrl(client, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }), {
          expiresIn: URL_TTL_SECONDS,
        });
        const etag = await putFromFile(url, Bun.file(spoolPath).slice(start, end), {}, target.requestTimeoutMs);
        parts.push({ ETag: etag, PartNumber: partNumber });
      } catch (error) {
        sendFailure = error;
      }
    });
  };

  const handle = await openCreatingDir(spoolPath);
  try {
    let written = 0;
    let queued = 0;
    try {
      for (;;) {
        if (sendFailure) throw sendFailure;
        const { done, value } = await reader.read();
        if (done) break;
        await writeAll(handle, value);
        written += value.byteLength;
        // A part is sent once a byte past it has arrived, so the last part is never empty.
        while (written > (queued + 1) * partSize) {
          sendPart(queued + 1, queued * partSize, (queued + 1) * partSize);
          queued++;
        }
      }
    } finally {
      await handle.close();
    }
    if (queued === 0) {
      const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }), { expiresIn: URL_TTL_SECONDS });
      return { etag: await putFromFile(url, Bun.file(spoolPath), contentType ? { "content-type": contentType } : {}, target.requestTimeoutMs) };
    }
    sendPart(queued + 1, queued * partSize, written);
    await sending;
    if (sendFailure) throw sendFailure;
    const result = await client
      .send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }))
      .catch(explainSdkFailure("completing a multipart upload"));
    return { etag: result.ETag };
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    await sending;
    if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  } finally {
    await rm(spoolPath, { force: true });
  }
}

/** PUTs a file (or a slice of one) to a presigned URL, retrying what S3 may retry; answers the ETag. */
async function putFromFile(url: string, body: Blob, headers: Record<string, string>, timeoutMs = 60_000): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { method: "PUT", body, headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      if (attempt < ATTEMPTS) continue;
      throw new Error(`S3 upload failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (response.ok) {
      await response.body?.cancel();
      return response.headers.get("etag") ?? "";
    }
    const error = await refusal(response, "an upload");
    if ((response.status >= 500 || response.status === 429) && attempt < ATTEMPTS) {
      await Bun.sleep(100 * 2 ** attempt);
      continue;
    }
    throw error;
  }
}

/** Spool files a crashed process left behind; no upload runs anywhere near this long. */
export async function removeStaleSpoolFiles(spoolDir: string, olderThanMs = 24 * 60 * 60 * 1000): Promise<number> {
  const names = await readdir(spoolDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names.filter((n) => n.endsWith(".part"))) {
    const path = join(spoolDir, name);
    const owner = /^(\d+)-/.exec(name)?.[1];
    const orphaned = owner !== undefined && !processAlive(Number(owner));
    const stats = await stat(path).catch(() => null);
    if (stats && (orphaned || Date.now() - stats.mtimeMs > olderThanMs)) {
      await rm(path, { force: true }).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
