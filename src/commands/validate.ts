import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { CliContext } from "../../client/src/cli/context.ts";
import { formatBytes, printReport } from "../../client/src/cli/format.ts";
import { packToFile } from "../../client/src/node/pack.ts";
import { readEnv } from "../env.ts";
import { sandboxAvailable } from "../lib/sandbox/sandbox.ts";
import { createSandboxWorkDir } from "../lib/sandbox/work-dirs.ts";
import { runValidation } from "../services/validation/pipeline.ts";

/**
 * `agent-marketplace validate [DIR]`: packs the folder with the publish rules (the client's own
 * packer, so both agree byte for byte) and runs the server's validation pipeline on it here:
 * the same checks and the same sandbox, no network, no database. Exit 0 passed, 1 otherwise.
 */
export async function runValidate(ctx: CliContext, dir: string): Promise<number> {
  const root = resolve(dir);
  const maxBytes = readEnv().MAX_UPLOAD_BYTES;
  const sandbox = await sandboxAvailable();
  const work = await createSandboxWorkDir();
  try {
    const zip = join(work, "upload.zip");
    const packed = await packToFile(root, zip);
    ctx.err(`packed ${packed.files.length} files from ${root}: ${formatBytes(packed.sizeBytes)}, sha256 ${packed.sha256}`);
    if (packed.sizeBytes > maxBytes) {
      ctx.err(`error: the archive is ${formatBytes(packed.sizeBytes)}; the server refuses archives over ${formatBytes(maxBytes)} (MAX_UPLOAD_BYTES)`);
      return 1;
    }
    if (!sandbox.ok) ctx.err(`warning: no sandbox here (${sandbox.reason}): the checks that run the agent's code are skipped, as on a server without one`);
    const outcome = await runValidation(zip, { sandbox });
    const checks = outcome.checks.map((c) => ({
      name: c.name,
      status: c.status,
      duration_ms: c.durationMs,
      summary: c.summary,
      score: c.score,
      issues: c.issues,
    }));
    if (ctx.json) {
      ctx.result("", {
        status: outcome.status,
        duration_ms: outcome.durationMs,
        sandbox: sandbox.ok ? "bubblewrap" : null,
        archive: { files: packed.files.map((f) => f.path), size_bytes: packed.sizeBytes, sha256: packed.sha256 },
        checks,
      });
    } else {
      printReport(ctx, { status: outcome.status, durationMs: outcome.durationMs, checks });
    }
    return outcome.status === "passed" ? 0 : 1;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
