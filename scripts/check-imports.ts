/**
 * The import-graph check CI runs: every relative import among source files (tests excluded)
 * must point down the layers of ARCHITECTURE.md, and no files may import each other in a circle.
 * Prints each wrong-way import and each circle, and exits 1 when there is any.
 *
 * Usage: bun scripts/check-imports.ts
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");

/** Top to bottom: a file may import its own layer or any layer below it, never one above. */
const layers: { name: string; matches: (path: string) => boolean }[] = [
  { name: "entry", matches: (p) => /^src\/(main|cli)\.ts$/.test(p) || p.startsWith("src/commands/") || p.startsWith("scripts/") || p.startsWith("client/") },
  { name: "testing", matches: (p) => p.startsWith("src/testing/") },
  { name: "http", matches: (p) => p === "src/app.ts" || p.startsWith("src/http/") || p.startsWith("src/mcp/") },
  { name: "routers", matches: (p) => p.startsWith("routers/") },
  { name: "trpc", matches: (p) => p.startsWith("src/trpc/") },
  { name: "runtime", matches: (p) => p === "src/runtime.ts" },
  { name: "jobs", matches: (p) => p.startsWith("jobs/") },
  { name: "services", matches: (p) => p.startsWith("src/services/") },
  { name: "lib", matches: (p) => p.startsWith("src/lib/") },
  { name: "db", matches: (p) => p.startsWith("db/") || p === "drizzle.config.ts" },
  { name: "config", matches: (p) => p === "src/env.ts" || p === "src/errors.ts" },
  { name: "contract", matches: (p) => p.startsWith("src/contract/") },
];

/** Imports a layer may not make even though they point down (ARCHITECTURE.md, "Rules"). */
const forbidden: { from: string; to: string; why: string }[] = [
  { from: "routers", to: "runtime", why: "routers are adapters over services" },
  { from: "routers", to: "lib", why: "routers are adapters over services" },
  { from: "routers", to: "db", why: "routers never touch tables" },
  { from: "trpc", to: "runtime", why: "the tRPC context is a small interface, not the runtime" },
];

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name === "data" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) found.push(relative(root, path));
  }
  return found;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (!spec?.endsWith(".ts")) continue;
    targets.push(relative(root, resolve(root, dirname(file), spec)));
  }
  return targets;
}

const layerOf = (path: string) => layers.findIndex((layer) => layer.matches(path));

const files = ["src", "routers", "db", "jobs", "client", "scripts"].flatMap((dir) => sourceFiles(join(root, dir))).sort();
const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => files.includes(target))]));

const problems: string[] = [];
for (const [file, targets] of graph) {
  const from = layerOf(file);
  if (from === -1) {
    problems.push(`${file}: not in any layer of scripts/check-imports.ts`);
    continue;
  }
  for (const target of targets) {
    const to = layerOf(target);
    if (to === -1) continue;
    if (to < from) problems.push(`wrong way: ${file} (${layers[from]!.name}) imports ${target} (${layers[to]!.name})`);
    const rule = forbidden.find((f) => f.from === layers[from]!.name && f.to === layers[to]!.name);
    if (rule) problems.push(`forbidden: ${file} imports ${target}: ${rule.why}`);
  }
}

// Tarjan's strongly connected components: every component of more than one file is a circle.
let index = 0;
const stack: string[] = [];
const state = new Map<string, { index: number; low: number; onStack: boolean }>();
const circles: string[][] = [];
function connect(file: string): void {
  const node = { index, low: index, onStack: true };
  index++;
  state.set(file, node);
  stack.push(file);
  for (const target of graph.get(file) ?? []) {
    const seen = state.get(target);
    if (!seen) {
      connect(target);
      node.low = Math.min(node.low, state.get(target)!.low);
    } else if (seen.onStack) {
      node.low = Math.min(node.low, seen.index);
    }
  }
  if (node.low !== node.index) return;
  const component: string[] = [];
  for (;;) {
    const member = stack.pop()!;
    state.get(member)!.onStack = false;
    component.push(member);
    if (member === file) break;
  }
  if (component.length > 1 || graph.get(file)?.includes(file)) circles.push(component.sort());
}
for (const file of files) if (!state.has(file)) connect(file);
for (const circle of circles) problems.push(`circle of ${circle.length} files: ${circle.join(" -> ")}`);

if (problems.length > 0) {
  console.error(problems.join("\n"));
  console.error(`\n${problems.length} import problem(s) in ${files.length} files.`);
  process.exit(1);
}
console.log(`imports point one way: ${files.length} files, ${[...graph.values()].reduce((n, t) => n + t.length, 0)} imports, no circles`);
