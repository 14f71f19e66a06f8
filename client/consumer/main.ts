/**
 * A consumer of the packed client: type-checked (strict, no @types/node) in a fresh project by
 * client/package.test.ts, then run with Node against a live server. Every helper is used here.
 */
import { createMarketplaceClient as createBrowserClient, type RouterInputs } from "@agent-marketplace/client";
import {
  type AgentManifest,
  createMarketplaceClient,
  isMarketplaceError,
  listPackageFiles,
  MarketplaceError,
  type ValidationReport,
} from "@agent-marketplace/client/node";

// Only what this program reads of Node's globals; the package's own types need none of @types/node.
declare const process: { env: Record<string, string | undefined> };

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const url = env("AM_URL");
const dir = env("AM_AGENT_DIR");
let token = env("AM_TOKEN");

const client = createMarketplaceClient({ url, token: () => token, retry: { retries: 2, maxDelayMs: 5_000 } });
const anonymous = createBrowserClient({ url });

const category = await client.categories.create.mutate({ name: "Packed SDK", slug: "packed-sdk", description: "Agents published by the packed client" });

const manifest: AgentManifest = { name: "Packed SDK Agent", description: "Published by the packed client", category: category.slug, version: "1.0.0" };
const listing = await listPackageFiles(dir);
let sent = 0;
const published = await client.publish({ dir, manifest, onProgress: (p) => (sent = p.bytesSent) });

const statuses: string[] = [];
const report: ValidationReport = await client.waitForValidation(published.slug, "1.0.0", {
  timeoutMs: 120_000,
  intervalMs: 250,
  onProgress: (r) => statuses.push(r.status),
});

const searchInput: RouterInputs["search"]["agents"] = { q: "Packed SDK", limit: 5 };
const found = await anonymous.search.agents.query(searchInput);
const listed: string[] = [];
for await (const agent of anonymous.paginate(anonymous.agents.list, { sort: "name" }, { pageSize: 1 })) listed.push(agent.slug);

const installed = await client.install(published.slug, { dir: env("AM_INSTALL_DIR") });

const controller = new AbortController();
const download = await anonymous.download(published.slug, { version: "1.0.0", signal: controller.signal });
let downloadedBytes = 0;
for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) downloadedBytes += chunk.byteLength;

const second = await client.publishVersion(published.slug, { dir, manifest: { ...manifest, version: "1.0.1" }, changelog: "Second" });

let notFound: { status: number; code: string; requestId: string | undefined } | undefined;
try {
  await anonymous.agents.get.query({ slug: "no-such-agent" });
} catch (error) {
  if (isMarketplaceError(error)) notFound = { status: error.status, code: error.code, requestId: error.requestId };
}
let invalid: string[] = [];
try {
  await client.publish({ dir, manifest: { ...manifest, name: "x", version: "not-semver" } });
} catch (error) {
  if (error instanceof MarketplaceError) invalid = error.fieldErrors.map((e) => e.loc.join("."));
}
token = "amp_revoked";
const afterRefresh = await client.auth.me.query().catch((error: unknown) => (isMarketplaceError(error) ? error.code : "other"));

console.log(
  JSON.stringify({
    packed: listing.files.map((f) => f.path),
    sent,
    published: { slug: published.slug, sha256: published.versions[0]?.sha256, size: published.versions[0]?.size_bytes },
    statuses,
    report: { status: report.status, checks: report.checks.map((c) => `${c.name}:${c.status}`) },
    found: found.items.map((a) => a.slug),
    listed,
    installed,
    downloadedBytes,
    second: second.version,
    notFound,
    invalid,
    afterRefresh,
  }),
);
