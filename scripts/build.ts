/**
 * `bun run build`: compiles the server into one self-contained binary, dist/agent-marketplace.
 * PGlite's wasm/data files, the migrations and the docs assets are imported as files or text,
 * so the binary carries them and runs with nothing else installed. `--bytecode` ships the
 * modules precompiled: a restart no longer parses the bundle (~100 ms of every start, measured
 * with scripts/bench/compare.ts --startup).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const outfile = join(root, "dist", "agent-marketplace");
const started = performance.now();
// A migrated empty database, embedded beside the code: the binary's first start unpacks it (see
// src/lib/db/pglite-template.ts) instead of running initdb and the migrations.
const template = join(root, "dist", "pglite-template.tar.gz");
const made = Bun.spawnSync([process.execPath, join(root, "scripts/pglite-template.ts"), template], { cwd: root, stdout: "inherit", stderr: "inherit" });
if (made.exitCode !== 0) process.exit(made.exitCode ?? 1);
const result = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--sourcemap",
    "--bytecode",
    "--asset-naming=[name].[ext]",
    join(root, "src/main.ts"),
    template,
    "--outfile",
    outfile,
  ],
  { cwd: root, stdout: "inherit", stderr: "inherit" },
);
await rm(template, { force: true });
await rm(join(root, "dist", "pglite-template.tar.js.map"), { force: true });
if (result.exitCode !== 0) process.exit(result.exitCode ?? 1);
const size = Bun.file(outfile).size;
console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
