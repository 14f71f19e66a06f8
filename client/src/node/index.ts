/**
 * @agent-marketplace/client/node: the client plus what needs a file system (Node 20+, Bun, Deno):
 * `publish` and `publishVersion` from a folder, `install`, and the packing rules the CLI shares.
 */

import type { TRPCClient } from "@trpc/client";
import { combine, createTrpc, type MarketplaceClientOptions } from "../client.js";
import { type AgentFields, type ArchiveSource, createHelpers, type UploadOptions, type VersionFields } from "../helpers.js";
import { Transport } from "../transport.js";
import type { AgentVersion, AppRouter, PublishedAgent } from "../types.js";
import { type InstalledAgent, type InstallOptions, installAgent } from "./install.js";
import { invalidPackage } from "./manifest.js";
import { type PackOptions, packDirectory } from "./pack.js";

/** A folder to pack (agent.json and the packing rules apply); its manifest fills the fields not given. */
export interface DirectorySource extends PackOptions {
  dir: string;
}

export type NodePublishInput = ((Partial<AgentFields> & DirectorySource) | (AgentFields & ArchiveSource)) & UploadOptions;
export type NodePublishVersionInput = ((Partial<VersionFields> & DirectorySource) | (VersionFields & ArchiveSource)) & UploadOptions;

export interface NodeHelpers extends Omit<ReturnType<typeof createHelpers>, "publish" | "publishVersion"> {
  /** A new agent from a folder (packed and streamed), a zip or a stream. */
  publish(input: NodePublishInput): Promise<PublishedAgent>;
  /** A new version of your agent from a folder, a zip or a stream. */
  publishVersion(slug: string, input: NodePublishVersionInput): Promise<AgentVersion>;
  /** Downloads, checks the SHA-256 against the server's record and unpacks safely into `dir`. */
  install(slug: string, options: InstallOptions): Promise<InstalledAgent>;
}

export type NodeMarketplaceClient = TRPCClient<AppRouter> & NodeHelpers;

export function createMarketplaceClient(options: MarketplaceClientOptions): NodeMarketplaceClient {
  const transport = new Transport(options);
  const trpc = createTrpc(transport);
  const base = createHelpers(transport, trpc);

  const helpers: NodeHelpers = {
    ...base,
    async publish(input) {
      if (!("dir" in input)) return base.publish(input);
      const packed = await packDirectory(input.dir, input);
      const m = packed.manifest ?? {};
      const fields = {
        name: input.name ?? m.name,
        description: input.description ?? m.description,
        category: input.category ?? m.category,
        version: input.version ?? m.version,
        changelog: input.changelog ?? m.changelog,
        isPublic: input.isPublic ?? m.public,
      };
      const { name, description, category, version } = requireFields(fields, ["name", "description", "category", "version"]);
      return base.publish({ ...fields, name, description, category, version, stream: packed.stream, signal: input.signal, onProgress: input.onProgress });
    },
    async publishVersion(slug, input) {
      if (!("dir" in input)) return base.publishVersion(slug, input);
      const packed = await packDirectory(input.dir, input);
      const fields = { version: input.version ?? packed.manifest?.version, changelog: input.changelog ?? packed.manifest?.changelog };
      const { version } = requireFields(fields, ["version"]);
      return base.publishVersion(slug, { ...fields, version, stream: packed.stream, signal: input.signal, onProgress: input.onProgress });
    },
    install: (slug, installOptions) => installAgent(trpc, base, slug, installOptions),
  };
  return combine(trpc, helpers);
}

function requireFields<T extends Record<string, unknown>, K extends keyof T & string>(fields: T, keys: K[]): { [P in K]-?: NonNullable<T[P]> } {
  const missing = keys.filter((key) => fields[key] === undefined || fields[key] === "");
  if (missing.length > 0) {
    throw invalidPackage(
      missing.map((key) => ({ loc: ["agent.json", key], msg: `${key} is required: give it as an option or in agent.json`, type: "missing" })),
    );
  }
  return fields as unknown as { [P in K]-?: NonNullable<T[P]> };
}

export * from "../index.js";
export type { InstalledAgent, InstallOptions } from "./install.js";
export { type AgentManifest, isSemver, MANIFEST_FILE, parseManifest, readManifest } from "./manifest.js";
export {
  DEFAULT_EXCLUDES,
  listPackageFiles,
  type PackageListing,
  type PackedArchive,
  type PackedFile,
  type PackedFileInfo,
  type PackOptions,
  packDirectory,
  packToFile,
} from "./pack.js";
export { type UnpackedFile, type UnpackLimits, unpackArchive } from "./unpack.js";
