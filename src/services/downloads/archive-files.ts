import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { BunFile } from "bun";
import { ServiceUnavailable } from "../../errors.ts";
import { dependencyFault, retryAfterSeconds } from "../../lib/faults.ts";
import { sha256OfFile } from "../../lib/fs-helpers.ts";
import type { Logger } from "../../lib/logger.ts";
import type { Ports } from "../ports.ts";

/**
 * Downloads are answered from a local file. Bun.serve (1.4) drops Content-Length from a response
 * whose body is a JS stream and sends it chunked (oven-sh/bun#10507); only file-backed bodies
 * keep it, and the contract (and the SDK's progress bars) need it. So: the filesystem store's
 * own file, or for S3 a copy under DATA_DIR/cache/archives/<sha256>.zip. The copy is streamed
 * from S3 (never held in memory), checked against the version's SHA-256, shared by every
 * version with those bytes, and dropped least-recently-used past DOWNLOAD_CACHE_MAX_BYTES.
 */

/** A copy used within this long is never evicted (a response may still be sending it). */
const IN_USE_MS = 60_000;
const filling = new Map<string, Promise<BunFile | null>>();
let evicting = false;

/** The archive as a local file; null when storage does not have the object. */
export async function archiveFile(ports: Ports, key: string, sha256: string): Promise<BunFile | null> {
  if (ports.storage.localPath) {
    const file = Bun.file(ports.storage.localPath(key));
    return (await file.exists()) ? file : null;
  }
  const dir = resolve(ports.env.DATA_DIR, "cache", "archives");
  const path = join(dir, `${sha256}.zip`);
  const cached = Bun.file(path);
  if (await cached.exists()) {
    const now = new Date();
    void utimes(path, now, now).catch(() => undefined);
    return cached;
  }
  // Concurrent first downloads of one archive share one copy.
  let pending = filling.get(path);
  if (!pending) {
    pending = copyToCache(ports, key, sha256, dir, path).finally(() => filling.delete(path));
    filling.set(path, pending);
  }
  return pending;
}

/** Copied by the store without holding the bytes in memory, then hashed through one reused buffer. */
async function copyToCache(ports: Ports, key: string, sha256: string, dir: string, path: string): Promise<BunFile | null> {
  const unavailable = (err: unknown) => {
    ports.logger.error({ err, key }, "archive storage failed while copying an archive for download");
    const fault = dependencyFault(err) ?? { dependency: "storage", reason: "" };
    ports.metrics.dependencyErrors.inc({ dependency: fault.dependency });
    return new ServiceUnavailable("Archive storage is unavailable; try the download again later", retryAfterSeconds(fault));
  };
  await mkdir(dir, { recursive: true });
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    const found = await ports.storage.saveToFile(key, temp).catch((err: unknown) => {
      throw unavailable(err);
    });
    if (!found) return null;
    const actual = await sha256OfFile(temp);
    if (actual !== sha256) throw new Error(`Stored archive '${key}' has SHA-256 ${actual}, expected ${sha256}`);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  void evictLeastRecentlyUsed(dir, ports.env.DOWNLOAD_CACHE_MAX_BYTES, ports.logger);
  return Bun.file(path);
}

async function evictLeastRecentlyUsed(dir: string, maxBytes: number, logger: Logger): Promise<void> {
  if (evicting) return;
  evicting = true;
  try {
    const names = (await readdir(dir)).filter((name) => name.endsWith(".zip"));
    const files = (await Promise.all(names.map(async (name) => ({ path: join(dir, name), stats: await stat(join(dir, name)).catch(() => null) }))))
      .filter((f) => f.stats !== null)
      .sort((a, b) => a.stats!.mtimeMs - b.stats!.mtimeMs);
    let total = files.reduce((sum, f) => sum + f.stats!.size, 0);
    for (const file of files) {
      if (total <= maxBytes) break;
      if (Date.now() - file.stats!.mtimeMs < IN_USE_MS) continue;
      await rm(file.path, { force: true });
      total -= file.stats!.size;
    }
  } catch (err) {
    logger.warn({ err, dir }, "could not trim the download cache");
  } finally {
    evicting = false;
  }
}
