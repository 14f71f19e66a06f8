/**
 * The server binary's own commands, as entries of the one command table the CLI dispatches on
 * (client/src/cli): serve, migrate, bootstrap-admin, validate and mcp. Adding a command is adding one
 * entry here. Flags are parsed strictly: a typo is a usage error (exit 2), never a server start.
 */
import type { CliCommand, CommandInput } from "../client/src/cli/main.ts";
import { SERVER_COMMAND_SPECS as specs } from "../client/src/cli/main.ts";

/** Flag → the environment variable it overrides. */
const flagEnv: Record<string, string> = { port: "PORT", host: "HOST", "data-dir": "DATA_DIR", role: "ROLE", "log-level": "LOG_LEVEL" };

/** The environment overrides given as flags (`--port 9000` is PORT=9000). */
function overridesOf(input: CommandInput): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [name, variable] of Object.entries(flagEnv)) {
    const value = input.values[name];
    if (typeof value === "string") overrides[variable] = value;
  }
  return overrides;
}

export interface ServerHandlers {
  serve(overrides: Record<string, string>): Promise<number>;
  migrate(overrides: Record<string, string>): Promise<number>;
  bootstrapAdmin(overrides: Record<string, string>, login: string, create: boolean): Promise<number>;
  validate: CliCommand["run"];
  mcp: CliCommand["run"];
}

const flagDetails = "Every flag mirrors an environment variable; see README.md for all of them.";

export function serverCommands(handlers: ServerHandlers): CliCommand[] {
  return [
    {
      ...specs.serve,
      details: flagDetails,
      run: (_ctx, input) => handlers.serve(overridesOf(input)),
    },
    {
      ...specs.migrate,
      run: (_ctx, input) => handlers.migrate(overridesOf(input)),
    },
    {
      ...specs["bootstrap-admin"],
      details:
        "Runs against the configured database (DATABASE_URL, or the embedded one in DATA_DIR), applying migrations first. With the embedded database, stop the server first.",
      run: (_ctx, input) => handlers.bootstrapAdmin(overridesOf(input), input.positionals[0]!, input.values.create === true),
    },
    {
      ...specs.validate,
      details:
        "Packs DIR (default .) exactly as publish does, then runs the archive, security, quality, compatibility and tests checks here, with the bubblewrap sandbox when it is installed (without it the checks that run code are skipped, as on a server). Exit 0 passed, 1 failed or errored (the reasons are printed).",
      run: handlers.validate,
    },
    {
      ...specs.mcp,
      details:
        "For AI assistants that start local processes: stdin and stdout carry the Model Context Protocol, every message relayed to <url>/mcp with the token of --token, AGENT_MARKETPLACE_TOKEN or your login, so the tools are the server's own.",
      run: handlers.mcp,
    },
  ];
}
