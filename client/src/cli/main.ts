import { adminCommands } from "./commands/admin.js";
import { authCommands } from "./commands/auth.js";
import { catalogCommands } from "./commands/catalog.js";
import { initCommands } from "./commands/init.js";
import { publishCommands } from "./commands/publish.js";
import { type CliContext, createContext, describeError, type IoOptions } from "./context.js";
import { type CommandSpec, commandHelp, GLOBAL_OPTIONS, groupHelp, nearest, type OptionSpec, resolve, UsageError, unknownCommand } from "./framework.js";

/**
 * The `agent-marketplace` command line. The network commands are here and need only Node 20;
 * the host adds its own commands (the server binary: serve, migrate, bootstrap-admin, validate;
 * the npm bin: a `validate` that hands over to the server's code).
 */

export type CliCommand = CommandSpec<CliContext>;
export type { CommandInput } from "./framework.js";

export interface CliOptions {
  version: string;
  program?: string;
  /** Commands of the host, listed in the help beside the network ones (one entry each). */
  hostCommands?: CliCommand[];
  io?: Partial<IoOptions>;
}

/** The server's flags; each mirrors an environment variable. */
const SERVER_FLAGS = {
  port: { type: "string", valueName: "N", description: "HTTP port (PORT, default 8000)" },
  host: { type: "string", valueName: "ADDR", description: "address to listen on (HOST, default 127.0.0.1)" },
  "data-dir": { type: "string", valueName: "DIR", description: "embedded database and files (DATA_DIR, default ./data)" },
  role: { type: "string", valueName: "ROLE", description: "api, worker or all (ROLE, default all)" },
  "log-level": { type: "string", valueName: "LEVEL", description: "pino level (LOG_LEVEL, default info)" },
} satisfies Record<string, OptionSpec>;

const storage = { "data-dir": SERVER_FLAGS["data-dir"], "log-level": SERVER_FLAGS["log-level"] };

/** The commands only the server's code runs: the server binary implements them, the npm bin hands them over. */
export const SERVER_COMMAND_SPECS = {
  serve: { path: ["serve"], summary: "run the server (what the binary does when given no arguments)", options: SERVER_FLAGS },
  migrate: { path: ["migrate"], summary: "apply pending database migrations and exit", options: storage },
  "bootstrap-admin": {
    path: ["bootstrap-admin"],
    args: ["LOGIN"],
    summary: "make LOGIN an admin and print an admin API token (alone on stdout)",
    options: { create: { type: "boolean", description: "create the account first if it does not exist (it links to GitHub at its first login)" }, ...storage },
  },
  validate: {
    path: ["validate"],
    args: ["[DIR]"],
    summary: "run the server's validation on the folder, packed as publish would (offline, same sandbox)",
  },
  mcp: {
    path: ["mcp"],
    summary: "serve the marketplace's MCP tools over stdio, relayed to the server's /mcp (--url, with your token)",
  },
} satisfies Record<string, Pick<CliCommand, "path" | "args" | "summary" | "options">>;

const networkCommands: CliCommand[] = [...initCommands, ...authCommands, ...publishCommands, ...catalogCommands, ...adminCommands];

export async function runCli(argv: string[], options: CliOptions): Promise<number> {
  const program = options.program ?? "agent-marketplace";
  const io: IoOptions = {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: process.stderr.isTTY === true,
    ...options.io,
  };
  const commands = [...(options.hostCommands ?? []), ...networkCommands];
  let jsonErrors = argv.includes("--json");
  try {
    const { command, words, input } = resolve(commands, argv);
    if (!command) {
      const flags = input.rest.filter((a) => a.startsWith("-"));
      if (flags.some((f) => f === "--version" || f === "-V") && words.length === 0) {
        io.stdout(`${options.version}\n`);
        return 0;
      }
      const wantsHelp = flags.some((f) => f === "--help" || f === "-h") || argv.length === 0;
      if (wantsHelp) {
        io.stdout(`${groupHelp(program, commands, words)}\n`);
        return 0;
      }
      const next = input.rest.find((a) => !a.startsWith("-"));
      const stray = flags.find((f) => !(f.replace(/^--?/, "").split("=")[0]! in GLOBAL_OPTIONS));
      if (stray && words.length === 0) throw strayOption(program, commands, stray);
      if (next === undefined && words.length === 0) throw new UsageError(`${flags.join(" ")} needs a command`);
      throw unknownCommand(commands, words, next);
    }
    if (input.values.help) {
      io.stdout(`${commandHelp(program, command)}\n`);
      return 0;
    }
    // `publish --version V` and `init --version V` name the agent's version, not this program's.
    if (input.values.version === true && !command.options?.version) {
      io.stdout(`${options.version}\n`);
      return 0;
    }
    jsonErrors = input.values.json === true;
    const ctx = createContext(io, program, options.version, input.values);
    return await command.run(ctx, input);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      const where = error.helpFor?.length ? `${error.helpFor.join(" ")} ` : "";
      io.stderr(`Run '${program} ${where}--help' for usage.\n`);
      return 2;
    }
    const { lines, data } = describeError(error);
    if (jsonErrors) io.stdout(`${JSON.stringify(data, null, 2)}\n`);
    for (const line of lines) io.stderr(`${line}\n`);
    return 1;
  }
}

/** A command's option given without the command (`--port 9000`, `--prot 9000`): say which command takes it. */
function strayOption(program: string, commands: CliCommand[], flag: string): UsageError {
  const name = flag.replace(/^--?/, "").split("=")[0]!;
  const owners = commands.flatMap((c) => Object.keys(c.options ?? {}).map((option) => ({ option, path: c.path.join(" ") })));
  const match = nearest(name, [...new Set(owners.map((o) => o.option))]);
  const owner = match ? owners.find((o) => o.option === match) : undefined;
  const hint = owner ? ` (did you mean '${program} ${owner.path} --${owner.option}'?)` : "";
  return new UsageError(`${owner?.option === name ? `option ${flag} needs a command` : `unknown option ${flag}`}${hint}`);
}
