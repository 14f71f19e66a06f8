import { access, readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { type AgentManifest, isSemver, MANIFEST_FILE, parseManifest } from "../../node/manifest.js";
import type { CliContext } from "../context.js";
import type { CommandSpec } from "../framework.js";

/** init [DIR]: writes agent.json, prefilled from package.json or pyproject.toml when there is one. */

interface Prefill {
  name?: string;
  description?: string;
  version?: string;
  from?: string;
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch(() => null);
}

async function prefill(dir: string): Promise<Prefill> {
  const pkg = await readText(join(dir, "package.json"));
  if (pkg !== null) {
    try {
      const parsed = JSON.parse(pkg) as Record<string, unknown>;
      const str = (key: string) => (typeof parsed[key] === "string" ? (parsed[key] as string) : undefined);
      return { name: str("name")?.replace(/^@[^/]+\//, ""), description: str("description"), version: str("version"), from: "package.json" };
    } catch {
      // A broken package.json prefills nothing.
    }
  }
  const pyproject = await readText(join(dir, "pyproject.toml"));
  if (pyproject !== null) {
    // The [project] table (PEP 621), or Poetry's [tool.poetry]: only three plain string keys are read.
    const table = /^\[(?:project|tool\.poetry)\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1] ?? "";
    const key = (name: string) => new RegExp(`^${name}\\s*=\\s*["']([^"'\\n]*)["']`, "m").exec(table)?.[1];
    return { name: key("name"), description: key("description"), version: key("version"), from: "pyproject.toml" };
  }
  return {};
}

async function init(ctx: CliContext, dir: string, values: Record<string, unknown>): Promise<number> {
  const target = join(dir, MANIFEST_FILE);
  const exists = await access(target).then(
    () => true,
    () => false,
  );
  if (exists && !values.force) {
    ctx.err(`error: ${target} already exists (--force overwrites it)`);
    return 1;
  }
  const found = await prefill(dir);
  const description = (values.description as string | undefined) ?? found.description;
  const version = (values.version as string | undefined) ?? (found.version && isSemver(found.version) ? found.version : undefined);
  const manifest: AgentManifest = {
    name: (values.name as string | undefined) ?? found.name ?? basename(dir),
    description: description && description.trim().length >= 10 ? description : "Describe what this agent does (10 characters or more)",
    category: (values.category as string | undefined) ?? "other",
    version: version ?? "0.1.0",
    public: !values.private,
    exclude: [],
  };
  // The same checks publish applies, so a bad --name or --version fails here.
  parseManifest(manifest);
  await writeFile(target, `${JSON.stringify(manifest, null, 2)}\n`);
  ctx.result(
    [
      `wrote ${target}${found.from ? ` (prefilled from ${found.from})` : ""}`,
      "  check name, description and category (a category slug of the server), then run 'validate' and 'publish'",
    ],
    { path: target, manifest, prefilled_from: found.from ?? null },
  );
  return 0;
}

export const initCommands: CommandSpec<CliContext>[] = [
  {
    path: ["init"],
    args: ["[DIR]"],
    summary: "write agent.json (prefilled from package.json or pyproject.toml)",
    options: {
      name: { type: "string", valueName: "NAME", description: "agent name (default: package name, else the folder's)" },
      description: { type: "string", valueName: "TEXT", description: "at least 10 characters" },
      category: { type: "string", valueName: "SLUG", description: "category slug (default other)" },
      version: { type: "string", valueName: "V", description: "semver (default: the package's, else 0.1.0)" },
      private: { type: "boolean", description: "seen only by you and admins" },
      force: { type: "boolean", description: "overwrite an existing agent.json" },
    },
    run: (ctx, { positionals, values }) => init(ctx, resolve(positionals[0] ?? "."), values),
  },
];
