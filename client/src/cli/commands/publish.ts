import { resolve } from "node:path";
import { readManifest } from "../../node/manifest.js";
import type { AgentSummary, ValidationReport } from "../../types.js";
import type { CliContext } from "../context.js";
import { loadCredential } from "../credentials.js";
import { formatBytes, printReport } from "../format.js";
import type { CommandSpec } from "../framework.js";

/**
 * publish [DIR]: the first publish of a name makes a new agent; later ones add a version to the
 * caller's agent of that name (or to --slug). Progress goes to stderr on a terminal.
 */
async function publish(ctx: CliContext, dir: string, values: Record<string, unknown>): Promise<number> {
  const client = ctx.client();
  const manifest = await readManifest(dir);
  const version = (values.version as string | undefined) ?? manifest?.version;
  const changelog = values.changelog as string | undefined;
  const slug = (values.slug as string | undefined) ?? (await findOwnAgent(ctx, manifest?.name));
  let sent = 0;
  let lastDraw = 0;
  const onProgress = ctx.interactive
    ? ({ bytesSent }: { bytesSent: number }) => {
        sent = bytesSent;
        if (Date.now() - lastDraw < 100) return;
        lastDraw = Date.now();
        process.stderr.write(`\ruploading ${formatBytes(bytesSent)}   `);
      }
    : undefined;
  let published: { slug: string; version: string; sha256: string; size: number; created: boolean };
  if (slug) {
    const answer = await client.publishVersion(slug, { dir, ...(version ? { version } : {}), ...(changelog ? { changelog } : {}), onProgress });
    published = { slug, version: answer.version, sha256: answer.sha256, size: answer.size_bytes, created: false };
  } else {
    const answer = await client.publish({ dir, ...(version ? { version } : {}), ...(changelog ? { changelog } : {}), onProgress });
    const current = answer.versions.find((v) => v.version === (version ?? manifest?.version)) ?? answer.versions[0]!;
    published = { slug: answer.slug, version: current.version, sha256: current.sha256, size: current.size_bytes, created: true };
  }
  if (onProgress && sent > 0) process.stderr.write("\n");
  const what = published.created ? "new agent" : "new version";
  ctx.err(`published ${published.slug}@${published.version} (${what}, ${formatBytes(published.size)}, sha256 ${published.sha256})`);
  if (!values.wait) {
    ctx.result(`queued for validation: '${ctx.program} info ${published.slug}' shows the outcome`, { ...published, validation_status: "pending" });
    return 0;
  }
  let shown = "";
  const report: ValidationReport = await client.waitForValidation(published.slug, published.version, {
    timeoutMs: Number(values.timeout ?? 600) * 1000,
    onProgress: (r) => {
      if (r.status !== shown && !ctx.json) ctx.err(`validation: ${r.status}`);
      shown = r.status;
    },
  });
  if (ctx.json) ctx.result("", { ...published, validation_status: report.status, report });
  else printReport(ctx, report);
  return report.status === "passed" ? 0 : 1;
}

/** The caller's agent with the manifest's name, so a second publish is a new version, not a new agent. */
async function findOwnAgent(ctx: CliContext, name: string | undefined): Promise<string | undefined> {
  const stored = ctx.tokenOverride ? undefined : await loadCredential(ctx.credentialsPath, ctx.url);
  // A trusted-publishing token acts for its agents only.
  if (stored?.kind === "oidc" && stored.agents?.length === 1) return stored.agents[0];
  if (!name) return undefined;
  const client = ctx.client();
  const me = await client.auth.me.query();
  const wanted = name.trim().toLowerCase();
  for await (const agent of client.paginate(client.profiles.agents, { username: me.username, sort: "created_at" }) as AsyncIterable<AgentSummary>) {
    if (agent.name.trim().toLowerCase() === wanted) return agent.slug;
  }
  return undefined;
}

export const publishCommands: CommandSpec<CliContext>[] = [
  {
    path: ["publish"],
    args: ["[DIR]"],
    summary: "publish the folder: a new agent, or a new version of your agent of that name",
    details:
      "Packs DIR (default .) by the rules of agent.json and .gitignore, exactly as 'validate' does. Without --slug, a name you already published gets a new version.",
    options: {
      version: { type: "string", valueName: "V", description: "version to publish (default: agent.json's)" },
      changelog: { type: "string", valueName: "TEXT", description: "notes of this version" },
      slug: { type: "string", valueName: "SLUG", description: "publish a new version of this agent" },
      wait: { type: "boolean", description: "wait for validation; exit 1 if it does not pass" },
      timeout: { type: "string", valueName: "SECONDS", description: "how long --wait waits (default 600)" },
    },
    run: (ctx, { positionals, values }) => publish(ctx, resolve(positionals[0] ?? "."), values),
  },
];
