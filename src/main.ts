#!/usr/bin/env bun
import { parseArgs, usage } from "./cli.ts";
import { runBootstrapAdmin } from "./commands/bootstrap-admin.ts";
import { runMigrate, runServer } from "./commands/serve.ts";
import { EnvError, readEnv } from "./env.ts";
import { DataDirLockedError } from "./lib/db/data-dir-lock.ts";
import { StartupError } from "./lib/faults.ts";

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.command === "help") {
    console.log(usage);
    return 0;
  }
  const env = readEnv(args.overrides);
  if (args.command === "bootstrap-admin") {
    return runBootstrapAdmin({ env, login: args.positional[0], create: args.flags.has("--create") });
  }

  if (args.command === "migrate") return runMigrate(env);
  return runServer(env);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof EnvError || error instanceof DataDirLockedError || error instanceof StartupError) console.error(error.message);
    else console.error("fatal:", error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
