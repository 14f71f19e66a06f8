import { inflateRawSync } from "node:zlib";
import { NotFound } from "../../errors.ts";
import type { AgentRow } from "../agents/queries.ts";
import type { VersionRow } from "../agents/versions.ts";
import type { ServiceContext } from "../context.ts";
import { isExternalKey } from "../storage/deletions.ts";
import { DEFAULT_ARCHIVE_LIMITS } from "../validation/archive-policy.ts";
import { readZipEntries, type ZipEntryRecord } from "../validation/zip-reader.ts";
import { archiveFile } from "./archive-files.ts";
import { resolveVersion } from "./downloads.ts";

/**
 * The README and manifest of a version, read from its archive (what the MCP resources
 * `agent://{slug}[@{version}]` serve). Reading them is seeing the archive's contents, so the
 * download rules apply: visible agent, and a quarantined version for its author and admins only.
 * The files of an archive never change (they are keyed by its SHA-256), so they are cached by
 * that hash for a day, after the visibility check.
 */

interface DocFile {
  /** Path inside the archive, without the archive's single top-level folder if it has one. */
  path: string;
  text: string;
}

export interface AgentDocs {
  agent: AgentRow;
  version: VersionRow;
  readme: DocFile | null;
  /** `agent.json`, else `package.json`, as stored; null when the archive has neither. */
  manifest: DocFile | null;
}

const MAX_DOC_BYTES = 256 * 1024;
const DOCS_TTL_SECONDS = 24 * 60 * 60;
const README = /^readme(\.(md|markdown|txt|rst))?$/i;
const MANIFESTS = ["agent.json", "package.json"];

export async function readAgentDocs(ctx: ServiceContext, input: { slug: string; version?: string }): Promise<AgentDocs> {
  const { agent, version } = await resolveVersion(ctx, input);
  if (isExternalKey(version.storageKey)) return { agent, version, readme: null, manifest: null };
  const key = `archive-docs:${version.sha256}`;
  const cached = await ctx.ports.cache.get(key).catch(() => null);
  if (cached !== null) return { agent, version, ...(JSON.parse(cached) as Pick<AgentDocs, "readme" | "manifest">) };
  const file = await archiveFile(ctx.ports, version.storageKey, version.sha256);
  if (!file) throw new NotFound(`The archive of '${agent.slug}' ${version.version} is not available`);
  const docs = docsOf(new Uint8Array(await file.arrayBuffer()));
  ctx.ports.cache.set(key, JSON.stringify(docs), DOCS_TTL_SECONDS).catch(() => undefined);
  return { agent, version, ...docs };
}

/** The README and manifest entries of a zip: at its root, or inside its one top-level folder. */
function docsOf(zip: Uint8Array): Pick<AgentDocs, "readme" | "manifest"> {
  const entries = readZipEntries(zip, DEFAULT_ARCHIVE_LIMITS.maxEntries).filter((e) => !e.name.endsWith("/"));
  const prefix = commonFolder(entries.map((e) => e.name));
  const byPath = new Map(entries.map((e) => [e.name.slice(prefix.length), e]));
  const readmePath = [...byPath.keys()].filter((path) => README.test(path)).sort(preferMarkdown)[0];
  const manifestPath = MANIFESTS.find((path) => byPath.has(path));
  return {
    readme: readmePath ? textOf(zip, readmePath, byPath.get(readmePath)!) : null,
    manifest: manifestPath ? textOf(zip, manifestPath, byPath.get(manifestPath)!) : null,
  };
}

/** "agent/" when every entry is inside the folder `agent`, else "". */
function commonFolder(names: string[]): string {
  const first = names[0]?.split("/")[0];
  if (first === undefined || names.some((name) => !name.startsWith(`${first}/`))) return "";
  return `${first}/`;
}

function preferMarkdown(a: string, b: string): number {
  const rank = (path: string) => (/\.(md|markdown)$/i.test(path) ? 0 : 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The entry as UTF-8 text; null when too large, encrypted, of another method, damaged or binary. */
function textOf(zip: Uint8Array, path: string, entry: ZipEntryRecord): DocFile | null {
  if (entry.uncompressedSize > MAX_DOC_BYTES || (entry.flags & 1) !== 0) return null;
  const raw = zip.subarray(entry.dataStart, entry.dataEnd);
  let bytes: Uint8Array;
  try {
    if (entry.method === 0) bytes = raw;
    else if (entry.method === 8) bytes = inflateRawSync(raw, { maxOutputLength: MAX_DOC_BYTES });
    else return null;
  } catch {
    return null;
  }
  if (bytes.length !== entry.uncompressedSize || Bun.hash.crc32(bytes) !== entry.crc32 || bytes.includes(0)) return null;
  return { path, text: new TextDecoder().decode(bytes) };
}
