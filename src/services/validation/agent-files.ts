/**
 * Reading an unpacked agent: its text files, its package.json, and how to run it.
 *
 * Entry-point convention (the pytest-agents protocol of contract section 8):
 *  - Node: a package.json whose `main` names an existing file, else `dist/index.js`; run as
 *    `node <entry>`.
 *  - Python (our convention; the contract only defines Node): `agent.py`, else `main.py`, at the
 *    agent root; run as `python3 <entry>`.
 * Either reads one JSON request `{"action", "params"}` from stdin and writes one JSON response
 * `{"status": "success" | "error", ...}` to stdout, then exits.
 */
import { readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { AGENT_MOUNT } from "../../lib/sandbox/sandbox.ts";
import type { AgentFile, AgentPackage } from "./types.ts";

/** Directories of bundled third-party code: scanned for secrets, not judged as the author's code. */
const VENDORED = /(^|\/)(node_modules|\.venv|venv|site-packages|__pycache__|\.git)\//;
const MAX_TEXT_BYTES = 2 * 1024 ** 2;

export const PYTHON_INTERPRETER = "/usr/bin/python3";

export function isVendored(path: string): boolean {
  return VENDORED.test(path);
}

export function isPython(path: string): boolean {
  return path.endsWith(".py");
}

export function isJavaScript(path: string): boolean {
  return /\.(c|m)?(j|t)sx?$/.test(path);
}

/** Contents as text, or null for files too large to scan or that look binary (a NUL byte). */
export async function readText(agent: AgentPackage, file: AgentFile): Promise<string | null> {
  if (file.size > MAX_TEXT_BYTES) return null;
  const bytes = await readFile(join(agent.root, file.path));
  if (bytes.subarray(0, 8192).includes(0)) return null;
  return bytes.toString("utf8");
}

export function hasFile(agent: AgentPackage, path: string): boolean {
  return agent.files.some((file) => file.path === path);
}

export type PackageJson = { state: "absent" } | { state: "invalid"; error: string } | { state: "valid"; json: Record<string, unknown> };

export async function readPackageJson(agent: AgentPackage): Promise<PackageJson> {
  const file = agent.files.find((candidate) => candidate.path === "package.json");
  if (!file) return { state: "absent" };
  const text = await readText(agent, file);
  if (text === null) return { state: "invalid", error: "package.json is binary or too large" };
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== "object" || json === null || Array.isArray(json)) return { state: "invalid", error: "package.json is not a JSON object" };
    return { state: "valid", json: json as Record<string, unknown> };
  } catch (error) {
    return { state: "invalid", error: `package.json is not valid JSON: ${(error as Error).message}` };
  }
}

/** `main` as a path inside the package ("./index.js" -> "index.js"), or null when unusable. */
export function normalizeMain(main: unknown): string | null {
  if (typeof main !== "string" || main.trim() === "") return null;
  const normalized = posix.normalize(main.trim());
  if (normalized.startsWith("/") || normalized.startsWith("..")) return null;
  return normalized;
}

export type EntryPoint = { kind: "node" | "python"; file: string; command: string[] } | { kind: "none"; reason: string };

export async function findEntryPoint(agent: AgentPackage): Promise<EntryPoint> {
  const pkg = await readPackageJson(agent);
  if (pkg.state === "valid") {
    const main = normalizeMain(pkg.json.main);
    const candidates = [main, main && !/\.[cm]?js$/.test(main) ? `${main}.js` : null, "dist/index.js"];
    const file = candidates.find((candidate): candidate is string => !!candidate && hasFile(agent, candidate));
    if (file) return { kind: "node", file, command: ["node", `${AGENT_MOUNT}/${file}`] };
    return { kind: "none", reason: `package.json has no runnable entry: neither its main (${main ?? "unset"}) nor dist/index.js exists` };
  }
  if (pkg.state === "invalid") return { kind: "none", reason: pkg.error };
  const python = ["agent.py", "main.py"].find((candidate) => hasFile(agent, candidate));
  if (python) return { kind: "python", file: python, command: [PYTHON_INTERPRETER, `${AGENT_MOUNT}/${python}`] };
  return { kind: "none", reason: "no entry point: expected package.json (Node) or agent.py / main.py (Python)" };
}
