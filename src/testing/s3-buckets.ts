import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import type { Env } from "../env.ts";

/**
 * Removes a test runtime's bucket with everything in it, so a long-lived gateway shared by many
 * runs never reaches its bucket limit or fills its memstore. Best effort: a run never fails on it.
 */
export async function dropTestBucket(env: Env): Promise<void> {
  if (!env.S3_ENDPOINT) return;
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY ?? "", secretAccessKey: env.S3_SECRET_KEY ?? "" },
  });
  const Bucket = env.S3_BUCKET;
  try {
    for (let token: string | undefined; ; ) {
      const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken: token }));
      const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
      if (keys.length > 0) await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
      if (!page.IsTruncated) break;
      token = page.NextContinuationToken;
    }
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket }));
    for (const upload of uploads.Uploads ?? []) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }));
    }
    await client.send(new DeleteBucketCommand({ Bucket }));
  } catch {
    // A bucket never created (the runtime failed early) or already gone is fine.
  } finally {
    client.destroy();
  }
}
