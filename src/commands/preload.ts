import { parseArgs } from "../cli.ts";
import { readEnv } from "../env.ts";
import { loadPgliteAssets } from "../lib/db/pglite-assets.ts";

/**
 * Imported first by main.ts: when the server will open the embedded database, PGlite's
 * WebAssembly starts compiling now (on the engine's compiler threads) while the rest of the
 * server's modules load, instead of after them. Anything unexpected is left to main.ts to report.
 */
try {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === "serve" && !readEnv(args.overrides).DATABASE_URL) loadPgliteAssets().catch(() => undefined);
} catch {
  // main.ts parses the same arguments and says what is wrong with them.
}
