/**
 * Start-up of the compiled binary on the embedded default: first start in an empty folder
 * (PGlite initdb + migrations) and restarts, measured from spawn to the first 200 of /health.
 * Usage: bun run build && bun scripts/bench/binary-startup.ts [restarts]
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printTable, waitForHttp } from "./lib.ts";

const binary = join(import.meta.dir, "..", "..", "dist", "agent-marketplace");
if (!(await Bun.file(binary).exists())) throw new Error("build the binary first: bun run build");
const restarts = Number(process.argv[2] ?? 5);
const dir = await mkdtemp(join(tmpdir(), "am-startup-"));

async function startOnce(): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn([binary, "serve", "--port", "8197", "--data-dir", join(dir, "data")], { cwd: dir, env: { LOG_LEVEL: "silent" }, stdout: "ignore" });
  await waitForHttp("http://127.0.0.1:8197/health", 60_000);
  const ms = performance.now() - started;
  proc.kill("SIGTERM");
  await proc.exited;
  return ms;
}

try {
  const first = await startOnce();
  const again: number[] = [];
  for (let i = 0; i < restarts; i++) again.push(await startOnce());
  again.sort((a, b) => a - b);
  printTable([
    { case: "first start (empty data dir)", "ms to /health 200": first },
    { case: `restart, median of ${restarts}`, "ms to /health 200": again[Math.floor(again.length / 2)]! },
  ]);
  console.log(`binary size: ${(Bun.file(binary).size / 1024 / 1024).toFixed(1)} MiB`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
