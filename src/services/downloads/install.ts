import type { InstallInstructions } from "../../contract/mcp.ts";
import { publicBaseUrl } from "../../lib/storage/signed-urls.ts";
import type { ServiceContext } from "../context.ts";
import { resolveVersion, signedDownloadUrl } from "./downloads.ts";

/**
 * How to install a version: the CLI command, the SDK call and a signed download URL. The URL is
 * the one `GET /agents/{slug}/download-url[/{version}]` hands out, under the same rules (visible
 * agent, quarantine) and, like it, counted as a download.
 */
export async function getInstallInstructions(ctx: ServiceContext, input: { slug: string; version?: string }): Promise<InstallInstructions> {
  const found = await resolveVersion(ctx, input);
  const download = await signedDownloadUrl(ctx, found.agent, found.version);
  const { slug } = found.agent;
  const { version } = download;
  const url = publicBaseUrl(ctx.ports.env);
  const dir = `./agents/${slug}`;
  const sdk = [
    `import { createMarketplaceClient } from "@agent-marketplace/client/node";`,
    `const client = createMarketplaceClient({ url: ${JSON.stringify(url)}, token: process.env.AGENT_MARKETPLACE_TOKEN });`,
    `const installed = await client.install(${JSON.stringify(slug)}, { version: ${JSON.stringify(version)}, dir: ${JSON.stringify(dir)} });`,
  ].join("\n");
  return {
    slug,
    version,
    cli: `npx agent-marketplace install ${shellWord(`${slug}@${version}`)} --dir ${shellWord(dir)} --url ${shellWord(url)}`,
    sdk,
    download,
    validation_status: found.version.validationStatus,
  };
}

/** A word the shell passes through unchanged: as it is when plain, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
