/**
 * The `archive` check: is the upload safe to unpack, and unpack it.
 *
 * Order matters for safety: the whole central directory is judged first (archive-policy.ts) and
 * nothing is written unless every entry passes; then entries are inflated one at a time with
 * the output capped at the size they declared, so a lying header stops the inflater at that
 * byte instead of after it has filled the disk. Files are created with O_EXCL under a fresh
 * directory that holds no links (the policy refuses them), so no write can land elsewhere. On
 * any failure the partial tree is removed.
 */
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { inflateRawSync } from "node:zlib";
import type { ValidationIssue } from "../../contract/validation.ts";
import { type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS, type PlannedEntry, planEntries } from "./archive-policy.ts";
import type { AgentFile, AgentPackage, CheckOutcome } from "./types.ts";
import { readZipEntries, TooManyEntriesError, type ZipEntryRecord, ZipFormatError } from "./zip-reader.ts";

export interface ArchiveCheck {
  outcome: CheckOutcome;
  /** The unpacked agent when the check passed, else null (and `destDir` is left empty). */
  agent: AgentPackage | null;
}

const MAX_REPORTED_ISSUES = 50;

/**
 * Checks and unpacks `source` (a zip path or its bytes) into `destDir`, which must not exist
 * yet or be empty; its parent should be private to this process (createSandboxWorkDir).
 */
export async function checkArchive(source: string | Uint8Array, destDir: string, limits: Partial<ArchiveLimits> = {}): Promise<ArchiveCheck> {
  const effective: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  const zip = await readSource(source, effective.maxArchiveBytes);
  if (!zip) return failed([{ severity: "high", code: "archive_too_large", message: `The archive is over ${effective.maxArchiveBytes} bytes` }]);

  let records: ZipEntryRecord[];
  try {
    records = readZipEntries(zip, effective.maxEntries);
  } catch (error) {
    if (error instanceof TooManyEntriesError) {
      return failed([{ severity: "high", code: "too_many_entries", message: `${error.count} entries, over the limit of ${effective.maxEntries}` }]);
    }
    if (error instanceof ZipFormatError) return failed([{ severity: "high", code: "malformed_zip", message: error.message }]);
    throw error;
  }
  const { planned, issues } = planEntries(records, zip.length, effective);
  if (issues.length > 0) return failed(issues);
  if (!planned.some((entry) => !entry.isDirectory)) return failed([{ severity: "high", code: "empty_archive", message: "The archive holds no files" }]);

  await prepareDestination(destDir);
  try {
    await unpack(zip, planned, destDir);
  } catch (error) {
    await emptyDirectory(destDir);
    if (error instanceof UnpackError) return failed([error.issue]);
    throw error;
  }
  const agent = findAgentRoot(destDir, planned);
  const bytes = agent.files.reduce((n, file) => n + file.size, 0);
  return {
    outcome: { status: "passed", summary: `${agent.files.length} files, ${bytes} bytes unpacked safely`, issues: [] },
    agent,
  };
}

class UnpackError extends Error {
  constructor(readonly issue: ValidationIssue) {
    super(issue.message);
  }
}

async function readSource(source: string | Uint8Array, maxBytes: number): Promise<Uint8Array | null> {
  if (typeof source !== "string") return source.length > maxBytes ? null : source;
  // Look at the size first: a huge file is refused without being read into memory.
  if ((await stat(source)).size > maxBytes) return null;
  return new Uint8Array(await readFile(source));
}

async function prepareDestination(destDir: string): Promise<void> {
  await mkdir(destDir, { recursive: true });
  if ((await readdir(destDir)).length > 0) throw new Error(`Archive destination ${destDir} is not empty`);
  await chmod(destDir, 0o755);
}

async function unpack(zip: Uint8Array, planned: PlannedEntry[], destDir: string): Promise<void> {
  const root = resolve(destDir);
  const madeDirs = new Set<string>([root]);
  const ensureDir = async (dir: string) => {
    if (madeDirs.has(dir)) return;
    await ensureDir(resolve(dir, ".."));
    await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    // Explicit modes: the sandbox user must read the tree whatever our umask is.
    await chmod(dir, 0o755);
    madeDirs.add(dir);
  };
  for (const entry of planned) {
    const target = resolve(root, ...entry.segments);
    // Belt and braces: the policy already refused every path that could leave the root.
    const rel = relative(root, target);
    if (rel === "" || rel.startsWith("..") || rel.startsWith(sep)) {
      throw new UnpackError({ severity: "critical", code: "path_traversal", message: "The path leaves the archive root", file: entry.record.name });
    }
    if (entry.isDirectory) {
      await ensureDir(target);
      continue;
    }
    await ensureDir(resolve(target, ".."));
    const data = inflateEntry(zip, entry.record);
    const mode = entry.executable ? 0o755 : 0o644;
    await writeFile(target, data, { flag: "wx", mode });
    await chmod(target, mode);
  }
}

function inflateEntry(zip: Uint8Array, record: ZipEntryRecord): Uint8Array {
  const compressed = zip.subarray(record.dataStart, record.dataEnd);
  let data: Uint8Array;
  if (record.method === 0) {
    data = compressed;
  } else {
    try {
      // The cap is the declared size: the inflater stops the moment it would produce more.
      data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, record.uncompressedSize) });
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      throw new UnpackError({
        severity: "high",
        code: tooLarge ? "size_mismatch" : "corrupt_entry",
        message: tooLarge ? "The entry inflates past the size it declares (zip bomb?)" : "The entry's compressed data is corrupt",
        file: record.name,
      });
    }
  }
  if (data.length !== record.uncompressedSize) {
    throw new UnpackError({ severity: "high", code: "size_mismatch", message: "The entry's size differs from the size it declares", file: record.name });
  }
  if (Bun.hash.crc32(data) !== record.crc32) {
    throw new UnpackError({ severity: "high", code: "crc_mismatch", message: "The entry's checksum does not match its contents", file: record.name });
  }
  return data;
}

/**
 * Zips made by "compress this folder" wrap everything in one directory; the agent is then that
 * directory. Anything else (files at the top, or several top-level directories) is the agent.
 */
function findAgentRoot(destDir: string, planned: PlannedEntry[]): AgentPackage {
  const files = planned.filter((entry) => !entry.isDirectory);
  // macOS's archiver adds a __MACOSX/ folder of resource forks beside the real one.
  const tops = [...new Set(planned.map((entry) => entry.segments[0]!))].filter((top) => top !== "__MACOSX");
  const wrapper = tops.length === 1 && files.every((entry) => entry.segments.length > 1) ? tops[0]! : null;
  const agentFiles: AgentFile[] = files
    .filter((entry) => wrapper === null || entry.segments[0] === wrapper)
    .map((entry) => ({ path: entry.segments.slice(wrapper === null ? 0 : 1).join("/"), size: entry.record.uncompressedSize }));
  return { root: wrapper === null ? destDir : join(destDir, wrapper), files: agentFiles.sort((a, b) => a.path.localeCompare(b.path)) };
}

async function emptyDirectory(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [])) await rm(join(dir, name), { recursive: true, force: true });
}

function failed(issues: ValidationIssue[]): ArchiveCheck {
  const reported = issues.slice(0, MAX_REPORTED_ISSUES);
  if (issues.length > reported.length) {
    reported.push({ severity: "low", code: "more_issues", message: `${issues.length - reported.length} more issues not listed` });
  }
  const worst = reported[0]!;
  const summary = issues.length === 1 ? `Refused: ${worst.message}` : `Refused: ${issues.length} problems, first: ${worst.message}`;
  return { outcome: { status: "failed", summary, issues: reported }, agent: null };
}
