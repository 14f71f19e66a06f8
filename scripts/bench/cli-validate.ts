/**
 * `agent-marketplace validate` on the sample agents, wall clock per run (pack + the whole pipeline
 * with the sandbox), through the compiled binary and through `npx agent-marketplace` on Node
 * (which hands over to `bun src/main.ts`); then the size of the client package with its bin.
 *
 * Usage: npx bun scripts/bench/cli-validate.ts [--runs N]   (builds dist/ and client/dist first)
 */
import { cp, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unpackArchive } from "../../client/src/node/unpack.ts";
import { awsKeyLeakAgent, goodNodeAgent, goodPythonAgent } from "../../src/testing/sample-agents.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
const root = join(import.meta.dir, "../..");
const work = await mkdtemp(join(tmpdir(), "bench-validate-"));

for (const script of ["scripts/build.ts", "scripts/build-client.ts"]) {
  const built = Bun.spawnSync([process.execPath, join(root, script)], { cwd: root, stdout: "ignore", stderr: "inherit" });
  if (built.exitCode !== 0) throw new Error(`${script} failed`);
}

const samples = { "good node agent": goodNodeAgent(), "good python agent": goodPythonAgent(), "aws key leak": awsKeyLeakAgent() };
const dirs: Record<string, string> = {};
for (const [name, zip] of Object.entries(samples)) {
  const file = join(work, `${name}.zip`);
  await writeFile(file, zip);
  const staging = join(work, `${name}.unpacked`);
  await unpackArchive(file, staging);
  const entries = await readdir(staging);
  const inner = entries.length === 1 && (await stat(join(staging, entries[0]!))).isDirectory() ? join(staging, entries[0]!) : staging;
  dirs[name] = join(work, name.replaceAll(" ", "-"));
  await cp(inner, dirs[name]!, { recursive: true });
}

const programs = {
  "dist/agent-marketplace": [join(root, "dist/agent-marketplace")],
  "npx agent-marketplace": ["npx", "--no", "--", "agent-marketplace"],
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rows: string[][] = [];
for (const [sample, dir] of Object.entries(dirs)) {
  const medians: Record<string, number> = {};
  let outcome = "";
  for (const [program, argv] of Object.entries(programs)) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const proc = Bun.spawnSync([...argv, "validate", dir, "--json"], { cwd: root, env: { PATH: "/usr/bin:/bin", HOME: work } });
      times.push(performance.now() - started);
      outcome = `${JSON.parse(proc.stdout.toString()).status} (exit ${proc.exitCode})`;
    }
    medians[program] = median(times);
  }
  const [binary, npx] = Object.values(medians) as [number, number];
  rows.push([sample, outcome, `${Math.round(binary)}`, `${Math.round(npx)}`, (npx / binary).toFixed(2)]);
}

const header = ["sample", "outcome", "binary ms (median)", "npx ms (median)", "npx / binary"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(`validate, ${runs} runs each, wall clock including process start\n`);
console.log([line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n"));

const packed = Bun.spawnSync(["npm", "pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: join(root, "client") });
const [info] = JSON.parse(packed.stdout.toString()) as { size: number; unpackedSize: number; entryCount: number; files: { path: string; size: number }[] }[];
const cli = info!.files.filter((f) => f.path.startsWith("dist/cli/") || f.path.startsWith("bin/")).reduce((sum, f) => sum + f.size, 0);
console.log(
  `\n@agent-marketplace/client with its bin: ${info!.entryCount} files, ${(info!.size / 1024).toFixed(1)} KiB packed, ${(info!.unpackedSize / 1024).toFixed(1)} KiB unpacked (of which dist/cli + bin: ${(cli / 1024).toFixed(1)} KiB)`,
);
await rm(work, { recursive: true, force: true });
