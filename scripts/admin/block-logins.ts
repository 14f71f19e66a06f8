#!/usr/bin/env bun
import { readFile } from "node:fs/promises";
/**
 * Blocks every login listed in a file (one per line; blank lines and `#` comments ignored), e.g.
 * the accounts of a spam wave. Each login gets one line of outcome; exit 1 if any was not blocked.
 */
import { userByLogin } from "../../client/src/cli/commands/admin.ts";
import { isMarketplaceError } from "../../client/src/errors.ts";
import { runScript } from "./lib.ts";

await runScript({
  help: `Usage: npx bun scripts/admin/block-logins.ts FILE [--reason TEXT] [--dry-run]

Blocks every login listed in FILE (one per line; '#' starts a comment). Blocking revokes the
account's sessions and tokens at once. Admins cannot be blocked and are reported as refused.
  --reason TEXT  shown to the users (10..500 characters; default 'Blocked by an administrator')
  --dry-run      only say what would be blocked`,
  options: { reason: { type: "string" }, "dry-run": { type: "boolean" } },
  positionals: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const logins = (await readFile(positionals[0]!, "utf8"))
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter(Boolean);
    const client = ctx.client();
    const reason = (values.reason as string | undefined) ?? "Blocked by an administrator";
    const outcomes: { login: string; outcome: string }[] = [];
    for (const login of [...new Set(logins)]) {
      try {
        const user = await userByLogin(client, login);
        if (user.is_blocked) outcomes.push({ login, outcome: "already blocked" });
        else if (values["dry-run"]) outcomes.push({ login, outcome: "would block" });
        else {
          await client.adminUsers.block.mutate({ id: user.id, blocked_reason: reason });
          outcomes.push({ login, outcome: "blocked" });
        }
      } catch (error) {
        if (!isMarketplaceError(error) || error.status === 401) throw error;
        outcomes.push({ login, outcome: error.status === 404 ? "not found" : `refused: ${error.message}` });
      }
    }
    ctx.result(
      outcomes.map((o) => `${o.login}\t${o.outcome}`),
      outcomes,
    );
    return outcomes.every((o) => ["blocked", "already blocked", "would block"].includes(o.outcome)) ? 0 : 1;
  },
});
