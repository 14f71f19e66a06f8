import pino from "pino";
import type { Env } from "../env.ts";
import { DomainError } from "../errors.ts";
import { DataDirLockedError } from "../lib/db/data-dir-lock.ts";
import { createLogger } from "../lib/logger.ts";
import { createRuntime, type Runtime, systemContextOf } from "../runtime.ts";
import { bootstrapAdmin } from "../services/auth/bootstrap-admin.ts";

export const bootstrapAdminUsage = `Usage: agent-marketplace bootstrap-admin <github-login> [--create]

Makes <github-login> an admin and prints an admin API token for it (alone on stdout).
  --create   create the account first if it does not exist (it links to GitHub at its first login)
Runs against the configured database (DATABASE_URL, or the embedded one in DATA_DIR), applying
migrations first. With the embedded database, stop the server first.`;

export interface BootstrapAdminOptions {
  env: Env;
  login: string | undefined;
  create: boolean;
  /** Where the token goes; stdout by default, so `TOKEN=$(... bootstrap-admin me)` works. */
  print?: (line: string) => void;
}

/** Shared by `agent-marketplace bootstrap-admin` and scripts/bootstrap-admin.ts; returns the exit code. */
export async function runBootstrapAdmin(options: BootstrapAdminOptions): Promise<number> {
  const { env, login, create } = options;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!login || login.startsWith("-")) {
    console.error(bootstrapAdminUsage);
    return 2;
  }
  // Logs go to stderr: stdout carries the token and nothing else.
  const logger = createLogger(env, pino.destination(2));
  let rt: Runtime;
  try {
    rt = await createRuntime(env, { logger });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(`bootstrap-admin: ${error.message}`);
      return 1;
    }
    throw error;
  }
  try {
    const result = await bootstrapAdmin(systemContextOf(rt, logger), { login, create });
    logger.info({ user_id: result.userId, created: result.created }, "admin token issued");
    print(result.token);
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    console.error(`bootstrap-admin: ${error.message}`);
    return 1;
  } finally {
    await rt.close();
  }
}
