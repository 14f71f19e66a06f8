/**
 * `bun run build`: compiles the server into one self-contained binary, dist/agent-marketplace.
 * PGlite's wasm/data files, the migrations and the docs assets are imported as files or text,
 * so the binary carries them and runs with nothing else installed. `--bytecode` ships the
 * modules precompiled: a restart no longer parses the bundle (~100 ms of every start, measured
 * with scripts/bench/compare.ts --startup).
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const outfile = join(root, "dist", "agent-marketplace");
const started = performance.now();
const result = Bun.spawnSync(
  [process.execPath, "build", "--compile", "--minify", "--sourcemap", "--bytecode", join(root, "src/main.ts"), "--outfile", outfile],
  {
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  },
);
if (result.exitCode !== 0) process.exit(result.exitCode ?? 1);
const size = Bun.file(outfile).size;
console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
