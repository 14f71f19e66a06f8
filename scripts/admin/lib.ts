/**
 * What the admin scripts share: flags parsed by node:util parseArgs (strict), the same server URL,
 * token and credentials file as the CLI (`agent-marketplace login` once, then run the scripts),
 * `--help`, and exit codes 0 done, 1 something failed, 2 usage.
 */
import { parseArgs } from "node:util";
import { type CliContext, createContext, describeError } from "../../client/src/cli/context.ts";
import packageJson from "../../package.json" with { type: "json" };

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

export interface Script {
  /** Usage line and description, printed by --help. */
  help: string;
  options?: Options;
  positionals?: { min: number; max: number };
  run(ctx: CliContext, args: { values: Record<string, unknown>; positionals: string[] }): Promise<number>;
}

const common = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const commonHelp = `Common options:
  --url URL      server (env AGENT_MARKETPLACE_URL, default http://127.0.0.1:8000)
  --token TOKEN  an admin token (env AGENT_MARKETPLACE_TOKEN, else the one 'agent-marketplace login' stored)
  -h, --help     this help`;

export async function runScript(script: Script, argv = process.argv.slice(2)): Promise<never> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...common, ...script.options }, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`error: ${(error as Error).message.split(/\.\s/)[0]}\n\n${script.help}`);
    process.exit(2);
  }
  if (parsed.values.help) {
    console.log(`${script.help}\n\n${commonHelp}`);
    process.exit(0);
  }
  const { min, max } = script.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    console.error(`error: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}\n\n${script.help}`);
    process.exit(2);
  }
  const io = {
    env: process.env,
    stdout: (text: string) => void process.stdout.write(text),
    stderr: (text: string) => void process.stderr.write(text),
    interactive: false,
  };
  const ctx = createContext(io, "agent-marketplace-admin", packageJson.version, parsed.values);
  try {
    process.exit(await script.run(ctx, { values: parsed.values, positionals: parsed.positionals }));
  } catch (error) {
    for (const line of describeError(error).lines) console.error(line);
    process.exit(1);
  }
}
