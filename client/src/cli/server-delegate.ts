import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliCommand } from "./main.js";
import { SERVER_COMMAND_SPECS } from "./main.js";

/**
 * The server's commands from the npm bin (serve, migrate, bootstrap-admin, validate): they run the
 * server's own code (TypeScript on Bun; validate uses its sandbox), so they are handed over: in a
 * checkout of the repository to `bun src/main.ts` with the `bun` dev dependency (no bun on PATH
 * needed); elsewhere they need the compiled server binary.
 */
export const serverDelegates: CliCommand[] = Object.entries(SERVER_COMMAND_SPECS).map(([name, spec]) => ({
  ...spec,
  path: [...spec.path],
  rawArgs: true,
  run: (_ctx, { rest }) => handOver(name, rest),
}));

function note(name: string): string {
  return `From npm (npx), '${name}' runs the server's code (src/main.ts) with the repository's 'bun' dev dependency (node_modules/.bin/bun): it works in a checkout after 'npm ci' with only Node on PATH. Elsewhere use the compiled server binary (dist/agent-marketplace after 'npm run build').`;
}

function handOver(name: string, rest: string[]): Promise<number> {
  const wantsHelp = rest.includes("--help") || rest.includes("-h");
  const found = findServer(dirname(fileURLToPath(import.meta.url)));
  if (!found) {
    process.stderr.write(`${wantsHelp ? "" : `error: ${name} runs the server's code, which is not in this package.\n`}${note(name)}\n`);
    return Promise.resolve(wantsHelp ? 0 : 1);
  }
  if (wantsHelp) process.stderr.write(`${note(name)}\n\n`);
  return new Promise((resolveExit) => {
    const child = spawn(found.bun, [found.main, name, ...rest], { stdio: "inherit" });
    // The server drains on SIGTERM: pass the signals on instead of leaving it behind.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward).on("SIGTERM", forward);
    child.on("exit", (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
    child.on("error", (error) => {
      process.stderr.write(`error: could not start ${found.bun}: ${error.message}\n`);
      resolveExit(1);
    });
  });
}

/** The repository's src/main.ts and its bun, walking up from this file (client/dist/cli in a checkout). */
function findServer(from: string): { main: string; bun: string } | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const main = join(dir, "src", "main.ts");
    const bun = join(dir, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
    if (existsSync(main) && existsSync(join(dir, "routers")) && existsSync(bun)) return { main, bun };
    if (dirname(dir) === dir) return null;
  }
}
