import type { TRPCClient } from "@trpc/client";
import { MarketplaceError } from "./errors.js";
import { type ArchiveBytes, type ArchiveStream, multipartBody, type UploadProgress } from "./multipart.js";
import { type CallOptions, sleep, type Transport } from "./transport.js";
import type { AgentVersion, AppRouter, PublishedAgent, ValidationReport } from "./types.js";

/** Where the archive comes from: whole bytes, or a stream sent as it is read (`size` lets the server refuse an oversized one at once). */
export type ArchiveSource = { zip: ArchiveBytes } | { stream: ArchiveStream; size?: number };

/** The fields of a new agent (contract 4.1). */
export interface AgentFields {
  /** 3..255 characters; the slug is made from it. */
  name: string;
  /** At least 10 characters. */
  description: string;
  /** A category's slug or name (case-insensitive); it must exist. */
  category: string;
  /** Semver, e.g. 1.0.0 or 1.0.0-beta.1. */
  version: string;
  changelog?: string;
  /** Default true; a private agent is seen only by its author and admins. */
  isPublic?: boolean;
}

export interface VersionFields {
  version: string;
  changelog?: string;
}

export interface UploadOptions extends CallOptions {
  onProgress?: (progress: UploadProgress) => void;
}

export interface WaitOptions extends CallOptions {
  /** Give up after this long (default 10 minutes) with a MarketplaceError `timeout`. */
  timeoutMs?: number;
  /** Between polls (default 1000). */
  intervalMs?: number;
  /** Called with every report read, also the pending and running ones. */
  onProgress?: (report: ValidationReport) => void;
}

export interface DownloadOptions extends CallOptions {
  /** Default: the current version (latest passed, else newest). */
  version?: string;
}

export interface DownloadedArchive {
  version: string;
  /** The archive's bytes as a stream; read it once. */
  body: ReadableStream<Uint8Array>;
  /** From Content-Length. */
  sizeBytes: number | undefined;
  /** From the ETag, which is the archive's SHA-256. */
  etag: string | undefined;
}

/** A page as the list procedures answer. */
export interface Page<T> {
  items: T[];
  total?: number;
  has_more?: boolean;
}

/** A list procedure of the typed client: `client.agents.list`, `client.search.agents`, ... */
export interface PagedProcedure<TInput, TItem> {
  query(input: TInput, options?: CallOptions): Promise<Page<TItem>>;
}

export interface PaginateOptions extends CallOptions {
  /** Items per request (default 100, the largest the server allows). */
  pageSize?: number;
}

const TERMINAL: readonly string[] = ["passed", "failed", "error"];

/** The helpers that are the same in every runtime: REST uploads, downloads, waits and paging. */
export function createHelpers(transport: Transport, trpc: TRPCClient<AppRouter>) {
  /** Publishes a new agent (multipart POST /api/v1/agents); answers once it is stored and queued. */
  async function publish(input: AgentFields & ArchiveSource & UploadOptions): Promise<PublishedAgent> {
    const fields = {
      name: input.name,
      description: input.description,
      category: input.category,
      version: input.version,
      changelog: input.changelog,
      is_public: input.isPublic === undefined ? undefined : String(input.isPublic),
    };
    return upload<PublishedAgent>("/agents", fields, input);
  }

  /** Publishes a new version of your agent (multipart POST /api/v1/agents/{slug}/versions). */
  async function publishVersion(slug: string, input: VersionFields & ArchiveSource & UploadOptions): Promise<AgentVersion> {
    return upload<AgentVersion>(`/agents/${encodeURIComponent(slug)}/versions`, { version: input.version, changelog: input.changelog }, input);
  }

  async function upload<T>(path: string, fields: Record<string, string | undefined>, input: ArchiveSource & UploadOptions): Promise<T> {
    const archive = "zip" in input ? { bytes: input.zip } : { stream: input.stream, size: input.size };
    const { body, headers, streaming } = multipartBody(fields, archive, input.onProgress);
    const init: RequestInit & { duplex?: "half" } = { body, headers, ...(input.signal ? { signal: input.signal } : {}) };
    if (streaming) init.duplex = "half";
    return transport.json<T>("POST", path, init);
  }

  /** Polls the validation report until the version passed, failed or errored, and returns that report. */
  async function waitForValidation(slug: string, version: string, options: WaitOptions = {}): Promise<ValidationReport> {
    const { timeoutMs = 10 * 60_000, intervalMs = 1000, signal } = options;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = await trpc.versions.validation.query({ slug, version }, signal ? { signal } : {});
      options.onProgress?.(report);
      if (TERMINAL.includes(report.status)) return report;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new MarketplaceError({
          status: 0,
          code: "timeout",
          detail: `Validation of ${slug}@${version} was still ${report.status} after ${timeoutMs} ms`,
        });
      }
      await sleep(Math.min(intervalMs, left), signal);
    }
  }

  /** Streams an archive (GET /api/v1/agents/{slug}/download[/{version}]); the caller reads `body`. */
  async function download(slug: string, options: DownloadOptions = {}): Promise<DownloadedArchive> {
    const path = `/agents/${encodeURIComponent(slug)}/download${options.version ? `/${encodeURIComponent(options.version)}` : ""}`;
    const response = await transport.request("GET", path, options.signal ? { signal: options.signal } : {});
    if (!response.body) throw new MarketplaceError({ status: response.status, code: "invalid_response", detail: "The download had no body" });
    const length = response.headers.get("content-length");
    const etag = response.headers.get("etag")?.replace(/^(W\/)?"|"$/g, "");
    return {
      version: options.version ?? versionFromDisposition(response.headers.get("content-disposition"), slug) ?? "",
      body: response.body,
      sizeBytes: length === null ? undefined : Number(length),
      etag: etag || undefined,
    };
  }

  /**
   * Every item of a list procedure, one page request at a time:
   * `for await (const agent of client.paginate(client.agents.list, { sort: "downloads" }))`.
   */
  async function* paginate<TInput extends object, TItem>(
    procedure: PagedProcedure<TInput, TItem>,
    input: Omit<TInput, "limit" | "offset"> & { offset?: number },
    options: PaginateOptions = {},
  ): AsyncGenerator<TItem, void, undefined> {
    const limit = options.pageSize ?? 100;
    let offset = Number(input.offset ?? 0);
    for (;;) {
      const page = await procedure.query({ ...input, limit, offset } as TInput, options.signal ? { signal: options.signal } : {});
      yield* page.items;
      offset += page.items.length;
      const more = page.has_more ?? (page.total !== undefined && offset < page.total);
      if (!more || page.items.length === 0) return;
    }
  }

  return { publish, publishVersion, waitForValidation, download, paginate };
}

function versionFromDisposition(disposition: string | null, slug: string): string | undefined {
  const name = disposition?.match(/filename="([^"]+)\.zip"/)?.[1];
  return name?.startsWith(`${slug}-`) ? name.slice(slug.length + 1) : undefined;
}

export type MarketplaceHelpers = ReturnType<typeof createHelpers>;
