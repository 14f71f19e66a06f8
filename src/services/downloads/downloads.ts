import type { BunFile } from "bun";
import type { DownloadUrl } from "../../contract/agents.ts";
import { Forbidden, NotFound } from "../../errors.ts";
import { isAdmin, userIdOf } from "../actor.ts";
import { type AgentRow, findVisibleAgent, isAuthor } from "../agents/queries.ts";
import { findVersionOrThrow, type VersionRow } from "../agents/versions.ts";
import type { ServiceContext } from "../context.ts";
import { isExternalKey } from "../storage/deletions.ts";
import { archiveFile } from "./archive-files.ts";

/**
 * Downloads (contract 4.2). Bytes go out from a local file (archive-files.ts explains why) by
 * sendfile, never held in memory; or the caller is sent to a signed URL so bytes flow from
 * storage directly. Every download
 * (and every URL handed out for one) is recorded by rt.downloads, which never blocks or fails it.
 */

export type DownloadAnswer =
  | { kind: "redirect"; location: string; warning: string | null }
  | { kind: "not_modified"; etag: string }
  | { kind: "file"; file: BunFile; etag: string; filename: string; warning: string | null };

export interface DownloadInput {
  slug: string;
  /** Omitted: the current version (latest passed, else newest). */
  version?: string;
  redirect: boolean;
  ifNoneMatch?: string | null;
}

export async function openDownload(ctx: ServiceContext, input: DownloadInput): Promise<DownloadAnswer> {
  const { agent, version } = await resolveVersion(ctx, input);
  const etag = `"${version.sha256}"`;
  const warning = warningOf(version);
  if (isExternalKey(version.storageKey)) {
    record(ctx, agent, version);
    return { kind: "redirect", location: version.storageKey, warning };
  }
  // The same ETag means the caller already has these bytes: not a download.
  if (input.ifNoneMatch?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
    return { kind: "not_modified", etag };
  }
  const filename = fileNameOf(agent, version);
  if (input.redirect || ctx.ports.env.DOWNLOAD_MODE === "redirect") {
    const location = await ctx.ports.storage.signedUrl(version.storageKey, ctx.ports.env.DOWNLOAD_URL_TTL_SECONDS, { filename });
    record(ctx, agent, version);
    return { kind: "redirect", location, warning };
  }
  const file = await archiveFile(ctx.ports, version.storageKey, version.sha256);
  if (!file) throw missingArchive(ctx, agent, version);
  record(ctx, agent, version);
  return { kind: "file", file, etag, filename, warning };
}

/** A URL to fetch the archive from, for clients that download themselves. */
export async function getDownloadUrl(ctx: ServiceContext, input: { slug: string; version?: string }): Promise<DownloadUrl> {
  const { agent, version } = await resolveVersion(ctx, input);
  return signedDownloadUrl(ctx, agent, version);
}

/** The URL of a version already resolved (and checked) by resolveVersion; recorded as a download. */
export async function signedDownloadUrl(ctx: ServiceContext, agent: AgentRow, version: VersionRow): Promise<DownloadUrl> {
  const external = isExternalKey(version.storageKey);
  const ttl = ctx.ports.env.DOWNLOAD_URL_TTL_SECONDS;
  const url = external ? version.storageKey : await ctx.ports.storage.signedUrl(version.storageKey, ttl, { filename: fileNameOf(agent, version) });
  record(ctx, agent, version);
  return { url, expires_in: external ? null : ttl, sha256: version.sha256, size_bytes: version.sizeBytes, version: version.version };
}

/** A quarantined version goes to its author and admins only; everyone else hears why not. */
export async function resolveVersion(ctx: ServiceContext, input: { slug: string; version?: string }): Promise<{ agent: AgentRow; version: VersionRow }> {
  const agent = await findVisibleAgent(ctx.db, ctx.actor, input.slug);
  const version = await findVersionOrThrow(ctx.db, agent, input.version);
  if (version.quarantineReason !== null && !isAuthor(ctx.actor, agent) && !isAdmin(ctx.actor)) {
    throw new Forbidden(`Version '${version.version}' of '${agent.slug}' is quarantined and only its author can download it: ${version.quarantineReason}`);
  }
  return { agent, version };
}

/** What a `Warning` header tells whoever downloads a quarantined or yanked (PEP 592) version by name. */
function warningOf(version: VersionRow): string | null {
  const warnings = [
    version.quarantineReason === null ? null : `quarantined: ${version.quarantineReason}`,
    version.yankedAt === null ? null : `yanked: ${version.yankedReason ?? "no reason given"}`,
  ].filter((w): w is string => w !== null);
  return warnings.length === 0 ? null : warnings.join("; ");
}

function fileNameOf(agent: AgentRow, version: VersionRow): string {
  return `${agent.slug}-${version.version}.zip`;
}

function record(ctx: ServiceContext, agent: AgentRow, version: VersionRow): void {
  ctx.ports.metrics.downloads.inc();
  ctx.ports.downloads.record({ agentId: agent.id, versionId: version.id, userId: userIdOf(ctx.actor) });
}

function missingArchive(ctx: ServiceContext, agent: AgentRow, version: VersionRow): NotFound {
  ctx.logger.error({ agent_id: agent.id, version_id: version.id, key: version.storageKey }, "archive missing from storage");
  return new NotFound(`The archive of '${agent.slug}' ${version.version} is not available`);
}
