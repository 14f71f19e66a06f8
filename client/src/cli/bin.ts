import { createRequire } from "node:module";
import { runCli } from "./main.js";
import { validateDelegate } from "./validate-delegate.js";

/** The npm bin's program: the network commands, plus `validate` handed to the server's code. */
export async function main(argv: string[]): Promise<number> {
  const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };
  return runCli(argv, { version, hostCommands: [validateDelegate] });
}
