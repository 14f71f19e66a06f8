/**
 * What the `archive` check refuses, judged from the central directory alone (nothing is inflated
 * or written yet): unsafe paths, links and special files, encryption, unknown compression,
 * duplicate or conflicting names, and sizes or compression ratios past the limits.
 */
import type { ValidationIssue } from "../../contract/validation.ts";
import type { ZipEntryRecord } from "./zip-reader.ts";

export interface ArchiveLimits {
  /** Size of the zip file itself. */
  maxArchiveBytes: number;
  maxEntries: number;
  /** Sum of the uncompressed sizes. */
  maxTotalBytes: number;
  maxFileBytes: number;
  /** Uncompressed / compressed, per entry and for the whole archive... */
  maxCompressionRatio: number;
  /** ...once the uncompressed size reaches this (small files legitimately compress very well). */
  ratioMinBytes: number;
  /** Path segments, e.g. "a/b/c.txt" is 3. */
  maxPathDepth: number;
  maxPathLength: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 50 * 1024 ** 2,
  maxEntries: 5_000,
  maxTotalBytes: 100 * 1024 ** 2,
  maxFileBytes: 25 * 1024 ** 2,
  maxCompressionRatio: 100,
  ratioMinBytes: 1024 ** 2,
  maxPathDepth: 32,
  maxPathLength: 1_024,
};

/** An entry that passed the policy, with its path split into safe segments. */
export interface PlannedEntry {
  record: ZipEntryRecord;
  segments: string[];
  isDirectory: boolean;
  executable: boolean;
}

const UNIX_HOSTS = new Set([3, 19]); // unix, OS X: both keep st_mode in the external attributes
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const MAX_SEGMENT_BYTES = 255;

export function planEntries(entries: ZipEntryRecord[], zipBytes: number, limits: ArchiveLimits): { planned: PlannedEntry[]; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const planned: PlannedEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  for (const record of entries) {
    const problem = entryProblem(record, limits);
    if (problem) {
      issues.push({ ...problem, file: record.name });
      continue;
    }
    const isDirectory = record.name.endsWith("/");
    const segments = record.name.replace(/\/$/, "").split("/");
    const key = segments.join("/");
    if (seen.has(key)) {
      issues.push({ severity: "high", code: "duplicate_entry", message: "The name appears more than once in the archive", file: record.name });
      continue;
    }
    seen.add(key);
    total += record.uncompressedSize;
    const mode = UNIX_HOSTS.has(record.hostSystem) ? record.externalAttributes >>> 16 : 0;
    planned.push({ record, segments, isDirectory, executable: (mode & 0o111) !== 0 });
  }
  issues.push(...pathConflicts(planned));
  if (total > limits.maxTotalBytes) {
    issues.push({ severity: "high", code: "archive_too_large", message: `Unpacks to ${total} bytes, over the limit of ${limits.maxTotalBytes} (zip bomb?)` });
  } else if (total >= limits.ratioMinBytes && total / Math.max(1, zipBytes) > limits.maxCompressionRatio) {
    issues.push({
      severity: "high",
      code: "compression_ratio",
      message: `The archive expands ${Math.round(total / zipBytes)}x, over the limit of ${limits.maxCompressionRatio}x (zip bomb?)`,
    });
  }
  return { planned, issues };
}

function entryProblem(record: ZipEntryRecord, limits: ArchiveLimits): Omit<ValidationIssue, "file"> | null {
  const pathProblem = unsafePath(record.name, limits);
  if (pathProblem) return pathProblem;
  const mode = UNIX_HOSTS.has(record.hostSystem) ? record.externalAttributes >>> 16 : 0;
  const type = mode & S_IFMT;
  if (type === S_IFLNK) return { severity: "critical", code: "symlink", message: "Symbolic links are not allowed in an agent archive" };
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    return { severity: "critical", code: "special_file", message: "Device files, FIFOs and sockets are not allowed in an agent archive" };
  }
  if (record.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
    return { severity: "high", code: "encrypted_entry", message: "Encrypted entries cannot be checked" };
  }
  if (record.method !== METHOD_STORED && record.method !== METHOD_DEFLATE) {
    return { severity: "high", code: "unsupported_compression", message: `Compression method ${record.method} is not supported (use stored or deflate)` };
  }
  if (record.method === METHOD_STORED && record.compressedSize !== record.uncompressedSize) {
    return { severity: "high", code: "size_mismatch", message: "A stored entry's sizes disagree" };
  }
  if (record.uncompressedSize > limits.maxFileBytes) {
    return {
      severity: "high",
      code: "file_too_large",
      message: `Unpacks to ${record.uncompressedSize} bytes, over the per-file limit of ${limits.maxFileBytes}`,
    };
  }
  const ratio = record.uncompressedSize / Math.max(1, record.compressedSize);
  if (record.uncompressedSize >= limits.ratioMinBytes && ratio > limits.maxCompressionRatio) {
    return {
      severity: "high",
      code: "compression_ratio",
      message: `Expands ${Math.round(ratio)}x, over the limit of ${limits.maxCompressionRatio}x (zip bomb?)`,
    };
  }
  return null;
}

function unsafePath(name: string, limits: ArchiveLimits): Omit<ValidationIssue, "file"> | null {
  const traversal = (message: string) => ({ severity: "critical" as const, code: "path_traversal", message });
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return traversal("Absolute paths are not allowed");
  // Windows tools read "\" as a separator, so "..\\x" is a traversal there; refuse it outright.
  if (name.includes("\\")) return traversal("Backslashes are not allowed in paths");
  const segments = name.replace(/\/$/, "").split("/");
  if (segments.includes("..")) return traversal("'..' is not allowed in paths");
  if (name.length === 0 || segments.some((segment) => segment === "" || segment === ".")) {
    return { severity: "high", code: "invalid_path", message: "Empty or '.' path segments are not allowed" };
  }
  if (/\p{Cc}/u.test(name)) return { severity: "high", code: "invalid_path", message: "Control characters are not allowed in paths" };
  if (segments.length > limits.maxPathDepth) {
    return { severity: "high", code: "path_too_deep", message: `Nested ${segments.length} levels deep, over the limit of ${limits.maxPathDepth}` };
  }
  const encoder = new TextEncoder();
  if (name.length > limits.maxPathLength || segments.some((segment) => encoder.encode(segment).length > MAX_SEGMENT_BYTES)) {
    return { severity: "high", code: "path_too_long", message: "The path or one of its names is too long" };
  }
  return null;
}

/** A file used as a directory by another entry ("a" and "a/b") cannot be unpacked faithfully. */
function pathConflicts(planned: PlannedEntry[]): ValidationIssue[] {
  const files = new Set(planned.filter((entry) => !entry.isDirectory).map((entry) => entry.segments.join("/")));
  const issues: ValidationIssue[] = [];
  for (const entry of planned) {
    for (let depth = 1; depth < entry.segments.length; depth++) {
      const prefix = entry.segments.slice(0, depth).join("/");
      if (files.has(prefix)) {
        issues.push({ severity: "high", code: "path_conflict", message: `'${prefix}' is both a file and a directory`, file: entry.record.name });
        break;
      }
    }
  }
  return issues;
}
