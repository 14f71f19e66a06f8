import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { MarketplaceError } from "../errors.js";
import type { FieldError } from "../types.js";

export interface UnpackLimits {
  /** Sum of the files' sizes (default 256 MiB). */
  maxBytes?: number;
  /** Entries in the archive (default 10,000). */
  maxEntries?: number;
}

export interface UnpackedFile {
  /** Relative to the target folder, with `/` separators. */
  path: string;
  size: number;
  executable: boolean;
}

interface Planned {
  entry: yauzl.Entry;
  segments: string[];
  isDirectory: boolean;
  executable: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const UNIX_HOSTS = new Set([3, 19]);
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * Unpacks the zip file `archive` into `dir`, which must not exist or be empty. Every entry is
 * judged before anything is written: a path that is absolute or climbs out (`..`), a link, a
 * device, an encrypted entry, a duplicate, or sizes past the limits refuse the whole archive
 * (MarketplaceError `unsafe_archive`, its detail lists each problem) and nothing is written.
 * Files land in a fresh sibling folder that is renamed to `dir` at the end, so a failure
 * halfway leaves nothing either.
 */
export async function unpackArchive(archive: string, dir: string, limits: UnpackLimits = {}): Promise<UnpackedFile[]> {
  const target = resolve(dir);
  await assertEmptyTarget(target);
  const zip = await openZip(archive);
  try {
    const entries = await readEntries(zip);
    const planned = plan(entries, { maxBytes: limits.maxBytes ?? 256 * 1024 ** 2, maxEntries: limits.maxEntries ?? 10_000 });
    const createdParent = await mkdir(dirname(target), { recursive: true });
    const staging = await mkdtemp(join(dirname(target), `.${basename(target)}.partial-`));
    try {
      const files = await extract(zip, planned, staging);
      await rmdir(target).catch((error: { code?: string }) => {
        if (error.code !== "ENOENT") throw error;
      });
      await rename(staging, target);
      return files;
    } catch (error) {
      await rm(createdParent ?? staging, { recursive: true, force: true });
      throw error;
    }
  } finally {
    zip.close();
  }
}

async function assertEmptyTarget(target: string): Promise<void> {
  const existing = await readdir(target).catch((error: { code?: string }) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  if (existing.length > 0) {
    throw new MarketplaceError({ status: 0, code: "target_not_empty", detail: `${target} is not empty; install into a new or empty folder` });
  }
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolvePromise, reject) => {
    // decodeStrings off: names are judged here (yauzl's own check stops at the first bad one).
    yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) reject(unsafe([{ loc: ["archive"], msg: `Not a readable zip archive: ${error?.message}`, type: "zip_format" }]));
      else resolvePromise(zip);
    });
  });
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolvePromise, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on("end", () => resolvePromise(entries));
    zip.on("error", (error: Error) => reject(unsafe([{ loc: ["archive"], msg: `Damaged zip archive: ${error.message}`, type: "zip_format" }])));
    zip.readEntry();
  });
}

function plan(entries: yauzl.Entry[], limits: Required<UnpackLimits>): Planned[] {
  const problems: FieldError[] = [];
  const planned: Planned[] = [];
  const seen = new Map<string, boolean>();
  let total = 0;
  if (entries.length > limits.maxEntries) {
    throw unsafe([{ loc: ["archive"], msg: `The archive has ${entries.length} entries, more than ${limits.maxEntries}`, type: "too_many_entries" }]);
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (const entry of entries) {
    const raw = entry.fileName as unknown as Uint8Array;
    let name: string;
    try {
      name = (entry.generalPurposeBitFlag & FLAG_UTF8) !== 0 || raw.every((b) => b < 0x80) ? decoder.decode(raw) : "";
    } catch {
      name = "";
    }
    const report = (msg: string, type: string) => problems.push({ loc: ["archive", name || "(unreadable name)"], msg, type });
    if (!name) {
      report("The entry's name is not valid UTF-8", "name_encoding");
      continue;
    }
    const problem = pathProblem(name);
    if (problem) {
      report(problem, "unsafe_path");
      continue;
    }
    const mode = UNIX_HOSTS.has(entry.versionMadeBy >> 8) ? (entry.externalFileAttributes >>> 16) & 0xffff : 0;
    const type = mode & S_IFMT;
    const isDirectory = name.endsWith("/") || type === S_IFDIR;
    if (type === S_IFLNK) report("Links are not unpacked", "link");
    else if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) report("Devices, pipes and sockets are not unpacked", "special_file");
    else if ((entry.generalPurposeBitFlag & FLAG_ENCRYPTED) !== 0) report("Encrypted entries are not unpacked", "encrypted");
    else if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
      report(`Compression method ${entry.compressionMethod} is not supported`, "compression");
    const segments = name.split("/").filter((s) => s !== "");
    const key = segments.join("/").toLowerCase();
    if (seen.has(key) && !(isDirectory && seen.get(key))) report("Another entry has the same name (letter case aside)", "duplicate");
    seen.set(key, isDirectory);
    total += isDirectory ? 0 : entry.uncompressedSize;
    planned.push({ entry, segments, isDirectory, executable: (mode & 0o111) !== 0 && !isDirectory });
  }
  for (const item of planned) {
    // A file where another entry needs a folder ("a" and "a/b") cannot be unpacked faithfully.
    for (let i = 1; i < item.segments.length; i++) {
      if (seen.get(item.segments.slice(0, i).join("/").toLowerCase()) === false) {
        problems.push({ loc: ["archive", item.segments.join("/")], msg: "A parent of this entry is a file", type: "conflict" });
        break;
      }
    }
  }
  if (total > limits.maxBytes) problems.push({ loc: ["archive"], msg: `The files add up to ${total} bytes, more than ${limits.maxBytes}`, type: "too_large" });
  if (problems.length > 0) throw unsafe(problems);
  return planned;
}

/** Why a name may not be written, or null. */
function pathProblem(name: string): string | null {
  if (name.includes("\0")) return "The name holds a NUL byte";
  if (name.includes("\\")) return "Backslashes are not path separators in zip; the name is ambiguous";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "Absolute paths are not unpacked";
  const segments = name.split("/");
  const inner = name.endsWith("/") ? segments.slice(0, -1) : segments;
  if (inner.length === 0 || inner.some((s) => s === "")) return "Empty path segments are not unpacked";
  if (inner.some((s) => s === ".." || s === ".")) return "Paths with '.' or '..' segments are not unpacked";
  if (inner.some((s) => WINDOWS_RESERVED.test(s) || Buffer.byteLength(s) > 255)) return "A path segment is reserved or too long";
  return null;
}

async function extract(zip: yauzl.ZipFile, planned: Planned[], staging: string): Promise<UnpackedFile[]> {
  const files: UnpackedFile[] = [];
  for (const item of planned) {
    const destination = join(staging, ...item.segments);
    // The plan allows no escape; this is the last guard should that ever change.
    if (!destination.startsWith(staging + sep)) throw unsafe([{ loc: ["archive", item.segments.join("/")], msg: "Escapes the folder", type: "unsafe_path" }]);
    if (item.isDirectory) {
      await mkdir(destination, { recursive: true });
      continue;
    }
    await mkdir(dirname(destination), { recursive: true });
    const source = await openEntry(zip, item.entry);
    // "wx": never through something already there, link or not.
    await pipeline(source, createWriteStream(destination, { flags: "wx", mode: item.executable ? 0o755 : 0o644 })).catch((error: Error) => {
      throw unsafe([{ loc: ["archive", item.segments.join("/")], msg: `The entry is damaged: ${error.message}`, type: "zip_format" }]);
    });
    files.push({ path: item.segments.join("/"), size: item.entry.uncompressedSize, executable: item.executable });
  }
  return files;
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolvePromise, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) reject(unsafe([{ loc: ["archive"], msg: `Cannot read an entry: ${error?.message}`, type: "zip_format" }]));
      else resolvePromise(stream);
    });
  });
}

function unsafe(problems: FieldError[]): MarketplaceError {
  return new MarketplaceError({ status: 0, code: "unsafe_archive", detail: problems });
}
