import { readEnv } from "../env.ts";
import { loadPgliteAssets } from "../lib/db/pglite-assets.ts";
import { markPhase } from "../lib/startup-phases.ts";

/**
 * Imported first by main.ts: when the server will open the embedded database, PGlite's
 * WebAssembly starts compiling now (on the engine's compiler threads) while the rest of the
 * server's modules load, instead of after them. Anything unexpected is left to main.ts to report.
 */
markPhase("boot");
try {
  // Only a server start (no arguments, or `serve`) opens the database; CLI commands never do.
  const argv = process.argv.slice(2);
  if ((argv.length === 0 || argv[0] === "serve") && !readEnv({}).DATABASE_URL) loadPgliteAssets().catch(() => undefined);
} catch {
  // main.ts reads the same configuration and says what is wrong with it.
}
