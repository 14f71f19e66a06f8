import { resolve } from "node:path";
import type { Env } from "../../env.ts";
import type { ObjectStore } from "./types.ts";

/** S3 when an endpoint or credentials are configured, otherwise files under DATA_DIR/blobs. */
export async function createObjectStore(env: Env): Promise<ObjectStore> {
  if (env.S3_ENDPOINT || env.S3_ACCESS_KEY) {
    const { createS3Store } = await import("./s3.ts");
    return createS3Store({
      endpoint: env.S3_ENDPOINT,
      bucket: env.S3_BUCKET,
      accessKey: env.S3_ACCESS_KEY,
      secretKey: env.S3_SECRET_KEY,
      region: env.S3_REGION,
      // Custom endpoints (RGW, MinIO, ...) rarely have wildcard DNS for virtual-host buckets.
      forcePathStyle: env.S3_FORCE_PATH_STYLE || env.S3_ENDPOINT !== undefined,
      spoolDir: resolve(env.DATA_DIR, "tmp", "s3-uploads"),
      connectTimeoutMs: env.S3_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: env.S3_REQUEST_TIMEOUT_MS,
    });
  }
  const { createFilesystemStoreFromEnv } = await import("./fs.ts");
  return createFilesystemStoreFromEnv(env);
}
