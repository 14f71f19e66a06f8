import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MarketplaceError } from "../errors.js";
import type { FieldError } from "../types.js";

/** The manifest's file name, at the root of an agent's folder. */
export const MANIFEST_FILE = "agent.json";

/**
 * `agent.json`: what `publish` sends beside the archive, and which files go into it. Every field
 * is optional in the file; `publish` needs name, description, category and version from the
 * file or from its own arguments (which win).
 */
export interface AgentManifest {
  /** 3..255 characters; the agent's slug is made from it at its first publish. */
  name?: string;
  /** At least 10 characters. */
  description?: string;
  /** A category's slug or name (case-insensitive). */
  category?: string;
  /** Semver: 1.2.3, 1.2.3-beta.1. */
  version?: string;
  /** Default true. */
  public?: boolean;
  /** Notes of this version. */
  changelog?: string;
  /**
   * When present, the only files packed (gitignore-style patterns, like npm's `files`): `.gitignore`
   * files are then not consulted; the default excludes and `exclude` still apply.
   */
  include?: string[];
  /** Never packed (gitignore-style patterns), on top of the default excludes and `.gitignore`. */
  exclude?: string[];
}

const KNOWN_KEYS = new Set(["$schema", "name", "description", "category", "version", "public", "changelog", "include", "exclude"]);

// Semantic Versioning 2.0.0, the same rule the server applies.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export function isSemver(value: string): boolean {
  return value.length <= 100 && SEMVER.test(value);
}

/** Checks a parsed `agent.json`; every problem is listed at once (MarketplaceError `invalid_package`). */
export function parseManifest(value: unknown, source = MANIFEST_FILE): AgentManifest {
  const problems: FieldError[] = [];
  const problem = (field: string, msg: string, type: string) => problems.push({ loc: [source, field], msg, type });
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidPackage([{ loc: [source], msg: `${source} must hold a JSON object`, type: "object_type" }]);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KNOWN_KEYS.has(key)) problem(key, `Unknown field '${key}'`, "extra_forbidden");
  const text = (field: string, min: number, max: number) => {
    const v = record[field];
    if (v === undefined) return;
    if (typeof v !== "string") return problem(field, `${field} must be a string`, "string_type");
    const length = v.trim().length;
    if (length < min || length > max) problem(field, `${field} must be ${min} to ${max} characters`, "string_length");
  };
  text("name", 3, 255);
  text("description", 10, 10_000);
  text("category", 1, 100);
  text("changelog", 0, 10_000);
  if (record.version !== undefined && (typeof record.version !== "string" || !isSemver(record.version.trim()))) {
    problem("version", "version must be semver, e.g. 1.2.3 or 1.2.3-beta.1", "semver");
  }
  if (record.public !== undefined && typeof record.public !== "boolean") problem("public", "public must be true or false", "bool_type");
  for (const field of ["include", "exclude"]) {
    const v = record[field];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((p) => typeof p === "string" && p.trim() !== "")) {
      problem(field, `${field} must be a list of gitignore-style patterns`, "list_type");
    }
  }
  if (problems.length > 0) throw invalidPackage(problems);
  return record as AgentManifest;
}

/** The folder's `agent.json`, or null when it has none. */
export async function readManifest(dir: string): Promise<AgentManifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidPackage([{ loc: [MANIFEST_FILE], msg: `${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`, type: "json_invalid" }]);
  }
  return parseManifest(parsed);
}

export function invalidPackage(problems: FieldError[]): MarketplaceError {
  return new MarketplaceError({ status: 0, code: "invalid_package", detail: problems });
}
