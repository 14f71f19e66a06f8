import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import ignore, { type Ignore } from "ignore";
import yazl from "yazl";
import type { FieldError } from "../types.js";
import { type AgentManifest, invalidPackage, MANIFEST_FILE, readManifest } from "./manifest.js";

/**
 * Never packed, whatever the manifest says: version control, dependency folders, caches,
 * virtualenvs and files that usually hold credentials. gitignore syntax.
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  ".git/",
  ".hg/",
  ".svn/",
  "node_modules/",
  "__pycache__/",
  "*.py[cod]",
  ".venv/",
  "venv/",
  ".tox/",
  ".pytest_cache/",
  ".mypy_cache/",
  ".ruff_cache/",
  ".DS_Store",
  "Thumbs.db",
  ".env",
  ".env.*",
  "!.env.example",
  ".npmrc",
  ".pypirc",
];

export interface PackedFile {
  /** Relative, with `/` separators: the name inside the archive. */
  path: string;
  size: number;
  executable: boolean;
}

export interface PackOptions {
  /** Use this manifest instead of reading `agent.json` (null: pack as if there were none). */
  manifest?: AgentManifest | null;
}

export interface PackageListing {
  /** Sorted by path; `agent.json` is always among them when it exists. */
  files: PackedFile[];
  manifest: AgentManifest | null;
}

export interface PackedArchive extends PackageListing {
  /** The zip, produced as it is read (nothing is held whole). */
  stream: AsyncIterable<Uint8Array>;
}

// Fixed, so the same folder packs to the same bytes on any machine and at any time.
const FIXED_MTIME = new Date("2000-01-01T00:00:00Z");

/**
 * Which files of `dir` an archive gets. Without `include`: every file, less the default excludes,
 * the rules of every `.gitignore` in the tree (each relative to its folder) and `exclude`. With
 * `include`: only the files it matches, less the default excludes and `exclude`. Links and special
 * files are refused (the server refuses archives holding them); exclude them instead.
 */
export async function listPackageFiles(dir: string, options: PackOptions = {}): Promise<PackageListing> {
  const root = resolve(dir);
  const manifest = options.manifest !== undefined ? options.manifest : await readManifest(root);
  const always = ignore()
    .add([...DEFAULT_EXCLUDES])
    .add(manifest?.exclude ?? []);
  const include = manifest?.include ? ignore().add(manifest.include) : null;
  const files: PackedFile[] = [];
  const refused: FieldError[] = [];

  async function walk(relDir: string, gitignores: { base: string; rules: Ignore }[]): Promise<void> {
    const absolute = join(root, relDir);
    const rules = include ? gitignores : await withGitignore(absolute, relDir, gitignores);
    const entries = await readdir(absolute, { withFileTypes: true });
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const isDir = entry.isDirectory();
      const probe = isDir ? `${rel}/` : rel;
      if (rel !== MANIFEST_FILE && (always.ignores(probe) || rules.some((g) => g.rules.ignores(probe.slice(g.base.length))))) continue;
      if (isDir) {
        await walk(rel, rules);
        continue;
      }
      if (include && rel !== MANIFEST_FILE && !include.ignores(rel)) continue;
      if (!entry.isFile()) {
        const kind = entry.isSymbolicLink() ? "a symbolic link" : "not a regular file";
        refused.push({ loc: [rel], msg: `${rel} is ${kind}; the server refuses archives with links or special files (exclude it)`, type: "link" });
        continue;
      }
      const stat = await lstat(join(root, rel));
      files.push({ path: rel, size: stat.size, executable: (stat.mode & 0o111) !== 0 });
    }
  }

  await walk("", []);
  if (refused.length > 0) throw invalidPackage(refused);
  if (files.every((f) => f.path === MANIFEST_FILE)) throw invalidPackage([{ loc: [dir], msg: "Nothing to pack: every file is excluded", type: "empty" }]);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, manifest };
}

async function withGitignore(absolute: string, relDir: string, inherited: { base: string; rules: Ignore }[]) {
  let text: string;
  try {
    text = await readFile(join(absolute, ".gitignore"), "utf8");
  } catch {
    return inherited;
  }
  return [...inherited, { base: relDir ? `${relDir}/` : "", rules: ignore().add(text) }];
}

/** Packs `dir` as `publish` and the CLI's `validate` do: deflated, sorted, fixed times, the executable bit kept. */
export async function packDirectory(dir: string, options: PackOptions = {}): Promise<PackedArchive> {
  const listing = await listPackageFiles(dir, options);
  const root = resolve(dir);
  const zip = new yazl.ZipFile();
  for (const file of listing.files) {
    zip.addFile(join(root, file.path), file.path, { mtime: FIXED_MTIME, mode: file.executable ? 0o100755 : 0o100644, compress: true });
  }
  zip.end();
  // yazl's output is a Node Readable, which is an async iterable of Buffers.
  return { ...listing, stream: zip.outputStream as unknown as AsyncIterable<Uint8Array> };
}

export interface PackedFileInfo extends PackageListing {
  sizeBytes: number;
  sha256: string;
}

/** Packs `dir` into the zip file `target` (which the CLI's `validate` hands to the pipeline). */
export async function packToFile(dir: string, target: string, options: PackOptions = {}): Promise<PackedFileInfo> {
  const packed = await packDirectory(dir, options);
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(packed.stream, measure, createWriteStream(target, { mode: 0o644 }));
  return { files: packed.files, manifest: packed.manifest, sizeBytes, sha256: hash.digest("hex") };
}
