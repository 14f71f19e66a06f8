import { createRequire } from "node:module";
import { runCli } from "./main.js";
import { serverDelegates } from "./server-delegate.js";

/** The npm bin's program: the network commands, plus the server's commands handed to its code. */
export async function main(argv: string[]): Promise<number> {
  const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };
  return runCli(argv, { version, hostCommands: serverDelegates });
}
