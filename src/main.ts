#!/usr/bin/env bun
// First: starts compiling the embedded database's WebAssembly while the modules below load.
import "./commands/preload.ts";
import { runCli } from "../client/src/cli/main.ts";
import packageJson from "../package.json" with { type: "json" };
import { serverCommands } from "./cli.ts";
import { runBootstrapAdmin } from "./commands/bootstrap-admin.ts";
import { runMigrate, runServer } from "./commands/serve.ts";
import { runValidate } from "./commands/validate.ts";
import { EnvError, readEnv } from "./env.ts";
import { DataDirLockedError } from "./lib/db/data-dir-lock.ts";
import { StartupError } from "./lib/faults.ts";
import { UnknownSchedule } from "./lib/scheduler.ts";
import { markPhase } from "./lib/startup-phases.ts";

/** No arguments: serve. Anything else goes through the command table; a typo exits 2 and starts nothing. */
async function main(argv: string[]): Promise<number> {
  markPhase("imports");
  if (argv.length === 0) return serve({});
  return runCli(argv, {
    version: packageJson.version,
    hostCommands: serverCommands({
      serve,
      migrate,
      bootstrapAdmin: (overrides, login, create) => runBootstrapAdmin({ env: readEnv(overrides), login, create }),
      validate: (ctx, input) => runValidate(ctx, input.positionals[0] ?? "."),
      mcp: async (ctx) => {
        // Only this command needs the MCP SDK's client and stdio transport.
        const { serveStdio } = await import("./mcp/stdio.ts");
        await serveStdio({ url: ctx.url, token: await ctx.token() });
        return 0;
      },
    }),
  });
}

function migrate(overrides: Record<string, string>): Promise<number> {
  return runMigrate(readEnv(overrides));
}

function serve(overrides: Record<string, string>): Promise<number> {
  return runServer(readEnv(overrides));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof EnvError || error instanceof DataDirLockedError || error instanceof StartupError || error instanceof UnknownSchedule)
      console.error(error.message);
    else console.error("fatal:", error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
