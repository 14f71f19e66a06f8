import { type ParseArgsConfig, parseArgs } from "node:util";

/**
 * The command table and its parser: every command is one entry (a path of words, its options,
 * its positional arguments and a `run`). Options are parsed by node:util parseArgs in strict
 * mode; what it refuses, and a command it cannot find, is a usage error (exit 2) with a near miss.
 */

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>[string] & { description: string; valueName?: string };

export interface CommandSpec<Ctx> {
  /** The words that name it: ["admin", "users", "create"]. */
  path: string[];
  summary: string;
  /** Positional arguments as shown in the usage line: "LOGIN", "[DIR]". */
  args?: string[];
  options?: Record<string, OptionSpec>;
  /** More lines for `--help`. */
  details?: string;
  /** Left to the host to parse (e.g. `serve`): argv after the command words, unparsed. */
  rawArgs?: boolean;
  run(ctx: Ctx, input: CommandInput): Promise<number>;
}

export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  /** Everything after the command words, as given (for commands that parse it themselves). */
  rest: string[];
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly helpFor?: string[],
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: "string", valueName: "URL", description: "server URL (env AGENT_MARKETPLACE_URL, default http://127.0.0.1:8000)" },
  token: { type: "string", valueName: "TOKEN", description: "use this token instead of the stored one (env AGENT_MARKETPLACE_TOKEN)" },
  json: { type: "boolean", description: "machine-readable JSON on stdout" },
  help: { type: "boolean", short: "h", description: "show help" },
  version: { type: "boolean", short: "V", description: "print the version" },
};

export interface Resolved<Ctx> {
  command: CommandSpec<Ctx> | null;
  /** The words matched so far (a group such as ["admin", "users"] when no leaf matched). */
  words: string[];
  input: CommandInput;
}

/** Finds the longest command path at the head of argv (flags may come first), then parses its options. */
export function resolve<Ctx>(commands: CommandSpec<Ctx>[], argv: string[]): Resolved<Ctx> {
  const words: string[] = [];
  let index = 0;
  let command: CommandSpec<Ctx> | null = null;
  const leading: string[] = [];
  // Global flags may precede the command: `--json search foo`.
  while (index < argv.length && argv[index]!.startsWith("-") && argv[index] !== "-") {
    const flag = argv[index]!;
    leading.push(flag);
    index++;
    const name = flag.replace(/^--?/, "").split("=")[0]!;
    const spec = GLOBAL_OPTIONS[name] ?? Object.values(GLOBAL_OPTIONS).find((o) => o.short === name);
    if (spec?.type === "string" && !flag.includes("=") && index < argv.length) leading.push(argv[index++]!);
  }
  for (; index < argv.length; index++) {
    const candidate = [...words, argv[index]!];
    if (!commands.some((c) => startsWith(c.path, candidate))) break;
    words.push(argv[index]!);
  }
  command = commands.find((c) => c.path.length === words.length && startsWith(c.path, words)) ?? null;
  const rest = [...leading, ...argv.slice(index)];
  if (!command) return { command: null, words, input: { positionals: [], values: {}, rest } };
  if (command.rawArgs) return { command, words, input: { positionals: [], values: {}, rest } };
  return { command, words, input: parseCommandArgs(command, rest) };
}

function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((word, i) => path[i] === word);
}

function parseCommandArgs<Ctx>(command: CommandSpec<Ctx>, rest: string[]): CommandInput {
  const options = { ...GLOBAL_OPTIONS, ...command.options };
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: config as ParseArgsConfig["options"], allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, Object.keys(options)), command.path);
  }
  const values = parsed.values as CommandInput["values"];
  if (values.help || (values.version === true && !command.options?.version)) return { positionals: parsed.positionals, values, rest };
  const required = (command.args ?? []).filter((a) => !a.startsWith("[")).length;
  const variadic = (command.args ?? []).some((a) => a.endsWith("..."));
  const max = variadic ? Number.POSITIVE_INFINITY : (command.args ?? []).length;
  if (parsed.positionals.length < required) {
    const missing = (command.args ?? []).filter((a) => !a.startsWith("["))[parsed.positionals.length];
    throw new UsageError(`missing argument ${missing}`, command.path);
  }
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`, command.path);
  return { positionals: parsed.positionals, values, rest };
}

function describeParseError(error: unknown, known: string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown) {
    const near = nearest(unknown.replace(/^-+/, ""), known);
    return `unknown option ${unknown}${near ? ` (did you mean --${near}?)` : ""}`;
  }
  // parseArgs explains itself ("Option '--url <value>' argument missing"); drop its advice about "--".
  return message.split(/\.\s/)[0]!.replace(/^Option/, "option");
}

/** The closest name within a small edit distance: `migrte` → `migrate`, `prot` → `port`. */
export function nearest(word: string, names: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      const swap = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? 0 : Number.POSITIVE_INFINITY;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1), swap === 0 ? previous : Number.POSITIVE_INFINITY);
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The text of `--help` for one command. */
export function commandHelp<Ctx>(program: string, command: CommandSpec<Ctx>): string {
  const options = Object.entries(command.options ?? {});
  const lines = [`Usage: ${program} ${[...command.path, ...(command.args ?? [])].join(" ")}${options.length ? " [options]" : ""}`, "", command.summary];
  if (command.details) lines.push("", command.details);
  if (options.length) lines.push("", "Options:", ...options.map(([name, o]) => optionLine(name, o)));
  if (!command.rawArgs) lines.push("", "Global options:", ...Object.entries(GLOBAL_OPTIONS).map(([name, o]) => optionLine(name, o)));
  return lines.join("\n");
}

function optionLine(name: string, o: OptionSpec): string {
  const flag = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
  return `  ${flag.padEnd(28)} ${o.description}`;
}

/** The overview: every command of a group (or all of them). */
export function groupHelp<Ctx>(program: string, commands: CommandSpec<Ctx>[], words: string[]): string {
  const shown = commands.filter((c) => startsWith(c.path, words));
  const width = Math.max(...shown.map((c) => [...c.path, ...(c.args ?? [])].join(" ").length)) + 2;
  const lines = [`Usage: ${program} ${words.length ? `${words.join(" ")} ` : ""}<command> [options]`, "", "Commands:"];
  for (const c of shown) lines.push(`  ${[...c.path, ...(c.args ?? [])].join(" ").padEnd(width)} ${c.summary}`);
  lines.push("", "Global options:", ...Object.entries(GLOBAL_OPTIONS).map(([name, o]) => optionLine(name, o)));
  lines.push("", `Run '${program} <command> --help' for a command's options. Exit codes: 0 success, 1 failure, 2 usage error.`);
  return lines.join("\n");
}

/** The usage error for a word that names no command, with the nearest command of that level. */
export function unknownCommand<Ctx>(commands: CommandSpec<Ctx>[], words: string[], word: string | undefined): UsageError {
  if (word === undefined) return new UsageError(`${words.join(" ")} needs a command`, words);
  const level = [...new Set(commands.filter((c) => startsWith(c.path, words) && c.path.length > words.length).map((c) => c.path[words.length]!))];
  const near = nearest(word, level);
  const where = words.length ? `${words.join(" ")} ` : "";
  return new UsageError(`unknown command '${where}${word}'${near ? ` (did you mean '${where}${near}'?)` : ""}`, words);
}
