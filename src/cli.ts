/** Command-line parsing: a subcommand plus flags that mirror config variables. */

export interface CliArgs {
  command: "serve" | "migrate" | "bootstrap-admin" | "mcp" | "help";
  overrides: Record<string, string>;
  positional: string[];
  flags: Set<string>;
}

const flagToEnv: Record<string, string> = {
  "--port": "PORT",
  "--host": "HOST",
  "--data-dir": "DATA_DIR",
  "--role": "ROLE",
  "--log-level": "LOG_LEVEL",
};

const commands = new Set(["serve", "migrate", "bootstrap-admin", "mcp", "help"]);

export const usage = `Usage: agent-marketplace [serve|migrate|bootstrap-admin|mcp] [--port N] [--host ADDR] [--data-dir DIR] [--role api|worker|all] [--log-level LEVEL]

  serve     run the server (default)
  migrate   apply pending database migrations and exit
  bootstrap-admin <github-login> [--create]
            make that account an admin and print an admin API token (alone on stdout)
  mcp       serve the marketplace's MCP tools over stdio, relayed to AGENT_MARKETPLACE_URL
            (default http://127.0.0.1:8000) with the token in AGENT_MARKETPLACE_TOKEN

Every flag mirrors an environment variable (PORT, HOST, DATA_DIR, ROLE, LOG_LEVEL); see README.md.`;

export function parseArgs(argv: string[]): CliArgs {
  const overrides: Record<string, string> = {};
  const positional: string[] = [];
  const flags = new Set<string>();
  let command: CliArgs["command"] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return { command: "help", overrides, positional, flags };
    const [name, inline] = arg.split("=", 2) as [string, string | undefined];
    const envName = flagToEnv[name];
    if (envName) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`${name} needs a value`);
      overrides[envName] = value;
    } else if (arg.startsWith("--")) {
      flags.add(arg);
    } else if (command === undefined && commands.has(arg)) {
      command = arg as CliArgs["command"];
    } else {
      positional.push(arg);
    }
  }
  return { command: command ?? "serve", overrides, positional, flags };
}
