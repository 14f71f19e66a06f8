#!/usr/bin/env node
// The `agent-marketplace` command of @agent-marketplace/client (Node 20+, no loader).
// In a checkout of the repository, client/dist is built on first use (and again when the
// client's sources are newer), with the repository's own build script and its bun dev dependency.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "..", "dist", "cli", "bin.js");
const repo = join(here, "..", "..");
const buildScript = join(repo, "scripts", "build-client.ts");

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (existsSync(buildScript) && existsSync(join(here, "..", "src"))) {
  const stale = !existsSync(entry) || newest(join(here, "..", "src")) > statSync(entry).mtimeMs;
  if (stale) {
    const bun = join(repo, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
    process.stderr.write("agent-marketplace: building client/dist (npm run build:client)...\n");
    const built = spawnSync(existsSync(bun) ? bun : "bun", [buildScript], { cwd: repo, stdio: ["ignore", 2, 2] });
    if (built.status !== 0) {
      process.stderr.write("agent-marketplace: the client build failed; run 'npm run build:client' to see why\n");
      process.exit(1);
    }
  }
}

const { main } = await import(entry);
process.exit(await main(process.argv.slice(2)));
