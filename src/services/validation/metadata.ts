/**
 * What a version says about itself (issue 17): its README.md and the license, repository,
 * homepage and keywords of agent.json, package.json or pyproject.toml, first found wins per field
 * in that order. Read from the unpacked archive by validation; nothing here runs the package's
 * code, and a manifest that does not parse only leaves its fields out.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentPackage } from "./types.ts";

/** The README is served as written up to this many bytes; the rest is cut at a character boundary. */
const README_MAX_BYTES = 256 * 1024;
const MANIFEST_MAX_BYTES = 1024 * 1024;
const MAX_KEYWORDS = 20;
const MAX_KEYWORD_LENGTH = 50;
const MAX_FIELD_LENGTH = 200;

export interface VersionMetadata {
  readme: string | null;
  license: string | null;
  repositoryUrl: string | null;
  homepageUrl: string | null;
  keywords: string[];
}

type Fields = Omit<VersionMetadata, "readme">;

export async function readVersionMetadata(agent: AgentPackage): Promise<VersionMetadata> {
  const manifests = [await fromJson(agent, "agent.json"), await fromJson(agent, "package.json"), await fromPyproject(agent)];
  const first = <K extends keyof Fields>(key: K, empty: (v: Fields[K]) => boolean): Fields[K] | undefined =>
    manifests.map((m) => m?.[key]).find((v): v is Fields[K] => v !== undefined && !empty(v));
  return {
    readme: await readReadme(agent),
    license: first("license", (v) => v === null) ?? null,
    repositoryUrl: first("repositoryUrl", (v) => v === null) ?? null,
    homepageUrl: first("homepageUrl", (v) => v === null) ?? null,
    keywords: first("keywords", (v) => v.length === 0) ?? [],
  };
}

async function readReadme(agent: AgentPackage): Promise<string | null> {
  const file = agent.files.find((f) => f.path.toLowerCase() === "readme.md") ?? agent.files.find((f) => /^readme(\.markdown|\.txt)?$/i.test(f.path));
  if (!file) return null;
  const bytes = await readCapped(agent, file.path, README_MAX_BYTES);
  if (bytes.subarray(0, 8192).includes(0)) return null;
  // A cut in the middle of a multi-byte character decodes to U+FFFD: drop it.
  const text = new TextDecoder("utf-8")
    .decode(bytes)
    .replace(/\uFFFD$/, "")
    .replaceAll("\0", "");
  return text.trim() === "" ? null : text;
}

async function readCapped(agent: AgentPackage, path: string, max: number): Promise<Uint8Array> {
  const bytes = await readFile(join(agent.root, path));
  return bytes.length > max ? bytes.subarray(0, max) : bytes;
}

async function readManifest(agent: AgentPackage, path: string): Promise<string | null> {
  const file = agent.files.find((f) => f.path === path);
  if (!file || file.size > MANIFEST_MAX_BYTES) return null;
  return (await readFile(join(agent.root, path))).toString("utf8");
}

async function fromJson(agent: AgentPackage, path: string): Promise<Partial<Fields> | null> {
  const text = await readManifest(agent, path);
  if (text === null) return null;
  try {
    const json: unknown = JSON.parse(text);
    if (!isRecord(json)) return null;
    return {
      license: shortString(isRecord(json.license) ? json.license.type : json.license),
      repositoryUrl: urlOf(isRecord(json.repository) ? json.repository.url : json.repository),
      homepageUrl: urlOf(json.homepage),
      keywords: keywordsOf(json.keywords),
    };
  } catch {
    return null;
  }
}

/** PEP 621's [project] table: license (a string, or {text}), keywords, and urls by their usual names. */
async function fromPyproject(agent: AgentPackage): Promise<Partial<Fields> | null> {
  const text = await readManifest(agent, "pyproject.toml");
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = Bun.TOML.parse(text);
  } catch {
    return null;
  }
  const project = isRecord(parsed) && isRecord(parsed.project) ? parsed.project : null;
  if (!project) return null;
  const urls = isRecord(project.urls) ? Object.fromEntries(Object.entries(project.urls).map(([k, v]) => [k.toLowerCase(), v])) : {};
  return {
    license: shortString(isRecord(project.license) ? project.license.text : project.license),
    repositoryUrl: urlOf(urls.repository ?? urls.source ?? urls["source code"] ?? urls.code),
    homepageUrl: urlOf(urls.homepage ?? urls.home),
    keywords: keywordsOf(project.keywords),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shortString(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  return trimmed === "" || trimmed.length > MAX_FIELD_LENGTH || trimmed.includes("\0") ? null : trimmed;
}

/** http(s) URLs only; npm's "github:owner/name" and "git+https://..." forms become https URLs. */
function urlOf(value: unknown): string | null {
  if (typeof value !== "string") return null;
  let raw = value.trim().replace(/^git\+/, "");
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
  if (shorthand) raw = `https://github.com/${shorthand[1]}`;
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    const text = url.href.replace(/\.git$/, "");
    return text.length > 2000 ? null : text;
  } catch {
    return null;
  }
}

function keywordsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const words = value
    .filter((k): k is string => typeof k === "string")
    .map((k) => k.trim().toLowerCase())
    .filter((k) => k !== "" && k.length <= MAX_KEYWORD_LENGTH && !k.includes("\0"));
  return [...new Set(words)].slice(0, MAX_KEYWORDS);
}
