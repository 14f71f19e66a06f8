import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { TRPCClient } from "@trpc/client";
import { MarketplaceError } from "../errors.js";
import type { MarketplaceHelpers } from "../helpers.js";
import type { CallOptions } from "../transport.js";
import type { AppRouter } from "../types.js";
import { type UnpackedFile, type UnpackLimits, unpackArchive } from "./unpack.js";

export interface InstallOptions extends CallOptions, UnpackLimits {
  /** Where to unpack; it must not exist or be empty. */
  dir: string;
  /** Default: the agent's current version (latest passed, else newest; never a yanked one). */
  version?: string;
}

export interface InstalledAgent {
  slug: string;
  version: string;
  /** Of the archive, checked against the server's record of the version. */
  sha256: string;
  sizeBytes: number;
  /** Absolute path of the folder the files are in. */
  dir: string;
  files: UnpackedFile[];
  /** Set when the version asked for by name was yanked (PEP 592): it installs, and the caller should show this. */
  warning: string | null;
}

/**
 * Resolves the version, streams its archive to a temporary file while hashing it, compares the
 * SHA-256 and size with the version's record (MarketplaceError `integrity_error` on a mismatch,
 * nothing unpacked), then unpacks it safely (see unpackArchive).
 */
export async function installAgent(
  trpc: TRPCClient<AppRouter>,
  helpers: Pick<MarketplaceHelpers, "download">,
  slug: string,
  options: InstallOptions,
): Promise<InstalledAgent> {
  const call = options.signal ? { signal: options.signal } : {};
  const version = options.version ?? (await trpc.agents.get.query({ slug }, call)).current_version;
  if (!version) throw new MarketplaceError({ status: 404, code: "not_found", detail: `Agent '${slug}' has no version to install` });
  const record = await trpc.versions.get.query({ slug, version }, call);
  const work = await mkdtemp(join(tmpdir(), "agent-marketplace-install-"));
  try {
    const archive = join(work, "archive.zip");
    const downloaded = await helpers.download(slug, { version, ...call });
    const { sha256, sizeBytes } = await saveHashed(downloaded.body, archive, record.size_bytes);
    if (sha256 !== record.sha256 || sizeBytes !== record.size_bytes) {
      throw new MarketplaceError({
        status: 0,
        code: "integrity_error",
        detail: `The download of ${slug}@${version} has SHA-256 ${sha256} (${sizeBytes} bytes); the server recorded ${record.sha256} (${record.size_bytes} bytes)`,
      });
    }
    const dir = resolve(options.dir);
    const files = await unpackArchive(archive, dir, options);
    const warning = record.yanked ? `${slug}@${version} is yanked: ${record.yanked_reason ?? "no reason given"}` : null;
    return { slug, version, sha256, sizeBytes, dir, files, warning };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes the stream to `file`, hashing as it goes; stops past `expected` bytes (a longer body cannot match). */
async function saveHashed(body: ReadableStream<Uint8Array>, file: string, expected: number): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash("sha256");
  let sizeBytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length;
      if (sizeBytes > expected) return done(new Error("longer than recorded"));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>), measure, createWriteStream(file, { flags: "wx", mode: 0o600 }));
  } catch (error) {
    if (sizeBytes <= expected) {
      if (error instanceof Error && error.name === "AbortError") throw error;
      throw new MarketplaceError({ status: 0, code: "network_error", detail: `The download broke off after ${sizeBytes} bytes`, cause: error });
    }
  }
  return { sha256: hash.digest("hex"), sizeBytes };
}
