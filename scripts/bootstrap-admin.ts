#!/usr/bin/env bun
/**
 * `bun scripts/bootstrap-admin.ts <github-login> [--create]`: makes the account an admin and
 * prints an admin API token, alone on stdout. Same as `agent-marketplace bootstrap-admin`.
 */
import { bootstrapAdminUsage, runBootstrapAdmin } from "../src/commands/bootstrap-admin.ts";
import { EnvError, readEnv } from "../src/env.ts";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(bootstrapAdminUsage);
  process.exit(0);
}
try {
  const login = args.find((arg) => !arg.startsWith("--"));
  process.exit(await runBootstrapAdmin({ env: readEnv(), login, create: args.includes("--create") }));
} catch (error) {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
}
