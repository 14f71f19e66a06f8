import { PayloadTooLarge, ServiceUnavailable, UnsupportedMediaType } from "../../errors.ts";
import { dependencyFault, retryAfterSeconds } from "../../lib/faults.ts";
import type { ServiceContext } from "../context.ts";
import { discardGuardedObject, guardPendingObject } from "../storage/deletions.ts";
import { ArchiveRejected, inspectArchive } from "./archive-stream.ts";

/**
 * Where uploaded archives land. Bytes stream to a fresh `staging/<uuid>.zip` key while they are
 * hashed; the version keeps that key while it waits for validation, and a passing validation
 * copies the object (server-side, once) to its content-addressed home
 * `agents/<agent id>/<sha256>.zip`. Keys are never reused across agents, and an existing key is
 * never written with different bytes.
 */

export interface StagedUpload {
  key: string;
  sha256: string;
  sizeBytes: number;
}

/** Where a version's archive waits until its validation passes. */
export const STAGING_PREFIX = "staging/";

/** The permanent, content-addressed key of an agent's archive. */
export function permanentArchiveKey(agentId: number, sha256: string): string {
  return `agents/${agentId}/${sha256}.zip`;
}

/**
 * Streams `body` to storage, refusing a non-zip (415) or one past MAX_UPLOAD_BYTES (413) the
 * moment it shows. On any failure nothing is left behind; a failure of the body itself (client
 * gone, malformed multipart) is rethrown as it came for the HTTP layer to describe, and a failure
 * of storage (S3 down, disk full) is a 503: the client did nothing wrong and may retry.
 */
export async function receiveArchive(ctx: ServiceContext, body: ReadableStream<Uint8Array>): Promise<StagedUpload> {
  const key = `${STAGING_PREFIX}${crypto.randomUUID()}.zip`;
  await guardPendingObject(ctx.db, key);
  const inspected = inspectArchive(body, ctx.ports.env.MAX_UPLOAD_BYTES);
  try {
    await ctx.ports.storage.put(key, inspected.stream, { contentType: "application/zip" });
  } catch (error) {
    const cause = inspected.failure();
    // With storage itself unreachable an inline delete would wait out the S3 timeouts a second
    // time before the client hears 503; the guard row has the cleanup job remove the key later.
    if (cause || dependencyFault(error)?.dependency !== "storage") await discardGuardedObject(ctx, key);
    const uploads = ctx.ports.metrics.uploads;
    if (cause instanceof ArchiveRejected) {
      uploads.inc({ outcome: cause.problem === "too_large" ? "too_large" : "not_zip" });
      throw cause.problem === "too_large" ? new PayloadTooLarge(cause.message) : new UnsupportedMediaType(cause.message);
    }
    if (cause) {
      uploads.inc({ outcome: "interrupted" });
      throw cause;
    }
    ctx.logger.error({ err: error, key }, "archive storage failed while receiving an upload");
    const fault = dependencyFault(error) ?? { dependency: "storage", reason: "" };
    const what = fault.dependency === "disk" ? "Archive storage is full" : "Archive storage is unavailable";
    uploads.inc({ outcome: fault.dependency === "disk" ? "disk_full" : "storage_unavailable" });
    ctx.ports.metrics.dependencyErrors.inc({ dependency: fault.dependency });
    throw new ServiceUnavailable(`${what}, so nothing was published; try again later`, retryAfterSeconds(fault));
  }
  const digest = inspected.digest();
  ctx.ports.metrics.uploads.inc({ outcome: "stored" });
  ctx.ports.metrics.uploadBytes.inc(digest.sizeBytes);
  return { key, ...digest };
}
