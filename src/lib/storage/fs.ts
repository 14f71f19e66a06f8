import { createHash } from "node:crypto";
import { constants, type Dirent, type Stats } from "node:fs";
import { access, copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Env } from "../../env.ts";
import { fileStream, isCode, md5OfFile, openCreatingDir, openIfExists, statIfExists, writeAll } from "../fs-helpers.ts";
import { ownedTempPath, sweepAbandonedTemps, TEMP_SUFFIX } from "./fs-temps.ts";
import { assertValidKey, assertValidPrefix } from "./keys.ts";
import { encodeKeyPath, fileUrlSignature, publicBaseUrl, resolveSigningSecret, verifySignedFileUrl } from "./signed-urls.ts";
import { countingStream } from "./streams.ts";
import { type ByteRange, type ObjectBody, ObjectMissing, type ObjectStore, type PutOptions, RangeNotSatisfiable, type StoredObject } from "./types.ts";

/*
 * Layout under root: key "a/b.zip" is the file "a/b.zip~" plus a sidecar "a/b.zip~meta".
 * Keys can never contain "~", so an object file ("x~") never collides with a directory of
 * another key ("x/..."), and temp files ("~tmp") and sidecars are never listed as objects.
 */
const DATA_SUFFIX = "~";
const META_SUFFIX = "~meta";

export interface FilesystemStoreOptions {
  root: string;
  signingSecret: string;
  /** Origin (and optional path) the API is reached at; signed URLs point at `${baseUrl}/files/...`. */
  baseUrl: string;
}

interface Meta {
  contentType?: string;
  etag: string;
  size: number;
  /** mtime of the data file the sidecar describes; a mismatch means the sidecar is stale. */
  mtimeMs: number;
}

export async function createFilesystemStore(options: FilesystemStoreOptions): Promise<FilesystemStore> {
  await mkdir(options.root, { recursive: true });
  return new FilesystemStore(options);
}

export async function createFilesystemStoreFromEnv(env: Env): Promise<FilesystemStore> {
  return createFilesystemStore({
    root: resolve(env.DATA_DIR, "blobs"),
    signingSecret: await resolveSigningSecret(env),
    baseUrl: publicBaseUrl(env),
  });
}

export class FilesystemStore implements ObjectStore {
  readonly kind = "filesystem" as const;
  readonly root: string;
  private readonly secret: string;
  private readonly baseUrl: string;

  constructor(options: FilesystemStoreOptions) {
    this.root = resolve(options.root);
    this.secret = options.signingSecret;
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
  }

  async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array, opts: PutOptions = {}): Promise<StoredObject> {
    const path = this.pathOf(key);
    const temp = tempPathFor(path);
    const counted = countingStream(body, opts.size);
    const md5 = createHash("md5");
    const handle = await openCreatingDir(temp);
    try {
      const reader = counted.stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        md5.update(value);
        await writeAll(handle, value);
      }
      await handle.datasync();
      const written = await handle.stat();
      await handle.close();
      const etag = md5.digest("hex");
      const meta: Meta = { contentType: opts.contentType, etag, size: written.size, mtimeMs: written.mtimeMs };
      await writeAtomically(metaPathOf(path), JSON.stringify(meta));
      // The rename is the commit point: until it happens readers see the old object or none.
      await rename(temp, path);
      return { key, size: counted.bytes(), contentType: opts.contentType, etag };
    } catch (error) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    const path = this.pathOf(key);
    const handle = await openIfExists(path);
    if (!handle) return null;
    try {
      // Stat the open handle, not the path: a concurrent put may rename a new file over it.
      const stats = await handle.stat();
      const total = stats.size;
      let start = 0;
      let end = total - 1;
      if (range) {
        if (!Number.isInteger(range.start) || range.start < 0) throw new Error(`Invalid range start ${range.start}`);
        if (range.end !== undefined && (!Number.isInteger(range.end) || range.end < range.start)) {
          throw new Error(`Invalid range end ${range.end}`);
        }
        if (range.start >= total) throw new RangeNotSatisfiable(key, total);
        start = range.start;
        end = Math.min(range.end ?? total - 1, total - 1);
      }
      const meta = await this.readMeta(path, stats);
      return {
        body: fileStream(handle, start, end),
        size: Math.max(0, end - start + 1),
        totalSize: total,
        contentType: meta?.contentType,
        etag: meta?.etag,
      };
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
  }

  async head(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    const stats = await statIfExists(path);
    if (!stats) return null;
    const meta = await this.readMeta(path, stats);
    return { key, size: stats.size, contentType: meta?.contentType, etag: meta?.etag };
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(path, { force: true });
    await rm(metaPathOf(path), { force: true });
    await this.pruneEmptyDirs(dirname(path));
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    const temp = tempPathFor(to);
    const fromStats = await statIfExists(from);
    if (!fromStats) throw new ObjectMissing(fromKey);
    const meta = await this.readMeta(from, fromStats);
    try {
      await mkdir(dirname(temp), { recursive: true });
      await copyFile(from, temp);
      const copied = await stat(temp);
      const etag = meta?.etag ?? (await md5OfFile(temp));
      const newMeta: Meta = { contentType: meta?.contentType, etag, size: copied.size, mtimeMs: copied.mtimeMs };
      await writeAtomically(metaPathOf(to), JSON.stringify(newMeta));
      await rename(temp, to);
    } catch (error) {
      await rm(temp, { force: true });
      if (isCode(error, "ENOENT") && !(await statIfExists(from))) throw new ObjectMissing(fromKey);
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject & { lastModified: Date }> {
    assertValidPrefix(prefix);
    // Only the directory holding the prefix's last full segment can contain matches.
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash >= 0 ? prefix.slice(0, slash + 1) : "";
    yield* this.walk(join(this.root, dirKey), dirKey, prefix);
  }

  async signedUrl(key: string, ttlSeconds: number, opts: { filename?: string } = {}): Promise<string> {
    assertValidKey(key);
    const expires = Math.floor(Date.now() / 1000) + Math.max(1, Math.floor(ttlSeconds));
    const query = new URLSearchParams({ expires: String(expires) });
    if (opts.filename) query.set("filename", opts.filename);
    query.set("sig", fileUrlSignature(this.secret, key, expires, opts.filename));
    return `${this.baseUrl}/files/${encodeKeyPath(key)}?${query}`;
  }

  /** True when the query of a URL made by signedUrl() is genuine and unexpired for key. */
  verifySignedQuery(key: string, query: URLSearchParams): boolean {
    return verifySignedFileUrl(this.secret, key, query.get("expires"), query.get("filename"), query.get("sig"));
  }

  async ping(): Promise<void> {
    const stats = await stat(this.root);
    if (!stats.isDirectory()) throw new Error(`Blob store root ${this.root} is not a directory`);
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  async saveToFile(key: string, path: string): Promise<boolean> {
    try {
      await copyFile(this.pathOf(key), path);
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) {
        // Only a missing source means a missing object; a missing target directory is an error.
        if (!(await statIfExists(this.pathOf(key)))) return false;
      }
      throw error;
    }
  }

  /** Temp files of writers killed mid-put (see fs-temps.ts); run at start and by the host sweep. */
  sweepLeftovers(): Promise<number> {
    return sweepAbandonedTemps(this.root);
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const path = join(this.root, key + DATA_SUFFIX);
    // Belt and braces: validation already rules out escapes, this guards future edits.
    if (!path.startsWith(this.root + sep)) throw new Error(`Invalid object key ${JSON.stringify(key)}`);
    return path;
  }

  private async readMeta(path: string, stats: Stats): Promise<Meta | undefined> {
    try {
      const meta = JSON.parse(await readFile(metaPathOf(path), "utf8")) as Meta;
      return meta.size === stats.size && meta.mtimeMs === stats.mtimeMs ? meta : undefined;
    } catch {
      return undefined;
    }
  }

  private async *walk(dir: string, keyPrefix: string, prefix: string): AsyncGenerator<StoredObject & { lastModified: Date }> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) return;
      throw error;
    }
    // Sort as full keys ("a/" vs "a.b") so the order matches S3's lexicographic listing.
    const items = entries
      .map((entry) => {
        if (entry.isDirectory()) return { name: entry.name, key: `${keyPrefix}${entry.name}/`, dir: true };
        if (entry.isFile() && entry.name.endsWith(DATA_SUFFIX) && !entry.name.endsWith(TEMP_SUFFIX)) {
          return { name: entry.name, key: keyPrefix + entry.name.slice(0, -DATA_SUFFIX.length), dir: false };
        }
        return undefined;
      })
      .filter((item) => item !== undefined)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const item of items) {
      const path = join(dir, item.name);
      if (item.dir) {
        if (item.key.startsWith(prefix) || prefix.startsWith(item.key)) yield* this.walk(path, item.key, prefix);
        continue;
      }
      if (!item.key.startsWith(prefix)) continue;
      const stats = await statIfExists(path);
      if (stats) yield { key: item.key, size: stats.size, lastModified: stats.mtime };
    }
  }

  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): stop climbing
      }
      dir = dirname(dir);
    }
  }
}

function metaPathOf(dataPath: string): string {
  return dataPath.slice(0, -DATA_SUFFIX.length) + META_SUFFIX;
}

function tempPathFor(dataPath: string): string {
  const dir = dirname(dataPath);
  const name = dataPath.slice(dir.length + 1, -DATA_SUFFIX.length);
  return ownedTempPath(dir, name);
}

async function writeAtomically(path: string, contents: string): Promise<void> {
  const temp = ownedTempPath(dirname(path), "");
  try {
    await writeFile(temp, contents);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
