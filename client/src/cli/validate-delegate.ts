import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CliCommand } from "./main.js";
import { VALIDATE_SPEC } from "./main.js";

/**
 * `validate` from the npm bin: the pipeline is the server's own code (TypeScript on Bun, with the
 * sandbox), so this hands over to it. In the repository it runs `bun src/main.ts validate` with
 * the `bun` dev dependency; elsewhere it needs the compiled server binary.
 */
export const validateDelegate: CliCommand = {
  ...VALIDATE_SPEC,
  path: [...VALIDATE_SPEC.path],
  args: [...VALIDATE_SPEC.args],
  rawArgs: true,
  details:
    "From npm (npx), this runs the server's code with the 'bun' dev dependency of the repository (node_modules/.bin/bun), so it works in a checkout after 'npm ci'.\nOutside the repository, use the compiled server binary: dist/agent-marketplace validate [DIR].\nExit 0 when the package passes, 1 when it fails (the reasons are printed), 2 on usage errors.",
  run(_ctx, { rest }) {
    const found = findServer(dirname(fileURLToPath(import.meta.url)));
    if (!found) {
      process.stderr.write(
        "error: validate runs the server's pipeline, which is not in this package.\n  Use the compiled server binary: agent-marketplace validate [DIR] (see the README), or run it in a checkout of the repository after 'npm ci'.\n",
      );
      return Promise.resolve(1);
    }
    return new Promise((resolveExit) => {
      const child = spawn(found.bun, [found.main, "validate", ...rest], { stdio: "inherit" });
      child.on("exit", (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
      child.on("error", (error) => {
        process.stderr.write(`error: could not start ${found.bun}: ${error.message}\n`);
        resolveExit(1);
      });
    });
  },
};

/** The repository's src/main.ts and its bun, walking up from this file (client/dist/cli in a checkout). */
function findServer(from: string): { main: string; bun: string } | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const main = join(dir, "src", "main.ts");
    const bun = join(dir, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
    if (existsSync(main) && existsSync(join(dir, "routers")) && existsSync(bun)) return { main, bun };
    if (dirname(dir) === dir) return null;
  }
}
