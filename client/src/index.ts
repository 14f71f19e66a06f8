/**
 * @agent-marketplace/client: the typed client of the Agent Marketplace API for every runtime.
 * Folder packing and `install` touch the file system: they are in `@agent-marketplace/client/node`.
 */
export { createMarketplaceClient, type MarketplaceClient, type MarketplaceClientOptions } from "./client.js";
export { type ClientErrorCode, isMarketplaceError, MarketplaceError, type MarketplaceErrorDetail } from "./errors.js";
export { exchangeGithubOidcToken, type GithubOidcOptions, type OidcPublishToken } from "./github-oidc.js";
export type {
  AgentFields,
  ArchiveSource,
  DownloadedArchive,
  DownloadOptions,
  Page,
  PagedProcedure,
  PaginateOptions,
  UploadOptions,
  VersionFields,
  WaitOptions,
} from "./helpers.js";
export type { ArchiveBytes, ArchiveStream, UploadProgress } from "./multipart.js";
export type { CallOptions, RetryOptions, TokenSource } from "./transport.js";
export type * from "./types.js";
