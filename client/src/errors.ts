import type { ErrorCode, FieldError } from "./types.js";

/**
 * What went wrong on this side, never sent by the server: the network failed after the retries,
 * a wait timed out, a download did not match its SHA-256, an archive or a folder was refused, an
 * install target was not empty.
 */
export type ClientErrorCode = "network_error" | "timeout" | "integrity_error" | "unsafe_archive" | "invalid_package" | "invalid_response" | "target_not_empty";

export type MarketplaceErrorDetail = string | FieldError[] | Record<string, unknown>;

export interface MarketplaceErrorInit {
  status: number;
  code: ErrorCode | ClientErrorCode;
  detail: MarketplaceErrorDetail;
  requestId?: string | undefined;
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

const NAME = "MarketplaceError";

/**
 * Every failure of a call, from tRPC and REST alike: the HTTP `status` (0 when no answer came),
 * the contract's `code` (`error` of the body), its `detail` (a message, the 422 field list or an
 * object) and the `requestId` the server logged it under.
 */
export class MarketplaceError extends Error {
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  readonly detail: MarketplaceErrorDetail;
  readonly requestId: string | undefined;
  /** From `Retry-After` on a 429 or 503 that outlasted the retries. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: MarketplaceErrorInit) {
    super(messageOf(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = NAME;
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The per-field problems of a 422 (`validation_error`), else an empty list. */
  get fieldErrors(): FieldError[] {
    return Array.isArray(this.detail) ? this.detail : [];
  }
}

/** True for a MarketplaceError, also one made by another copy of this package. */
export function isMarketplaceError(value: unknown): value is MarketplaceError {
  if (value instanceof MarketplaceError) return true;
  if (!(value instanceof Error) || value.name !== NAME) return false;
  const candidate = value as Partial<MarketplaceError>;
  return typeof candidate.status === "number" && typeof candidate.code === "string";
}

function messageOf(init: MarketplaceErrorInit): string {
  const { detail } = init;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map((issue) => `${issue.loc.join(".")}: ${issue.msg}`).join("; ") || init.code;
  const message = (detail as { message?: unknown }).message;
  return typeof message === "string" ? message : init.code;
}

interface ErrorBodyLike {
  error: string;
  detail?: unknown;
  request_id?: string;
}

function isErrorBody(value: unknown): value is ErrorBodyLike {
  return typeof value === "object" && value !== null && typeof (value as { error?: unknown }).error === "string";
}

function detailOf(value: unknown, fallback: string): MarketplaceErrorDetail {
  if (typeof value === "string" || Array.isArray(value)) return value as MarketplaceErrorDetail;
  if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  return fallback;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | undefined {
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** A MarketplaceError from a REST answer that is not 2xx; the body is read here. */
export async function errorFromResponse(response: Response): Promise<MarketplaceError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return errorFromBody(response.status, body, response.headers, text || response.statusText);
}

function errorFromBody(status: number, body: unknown, headers: Headers | undefined, fallback: string): MarketplaceError {
  const requestId = headers?.get("x-request-id") ?? undefined;
  const retryAfter = retryAfterSeconds(headers);
  if (isErrorBody(body)) {
    return new MarketplaceError({
      status,
      code: body.error as ErrorCode,
      detail: detailOf(body.detail, body.error),
      requestId: body.request_id ?? requestId,
      retryAfterSeconds: retryAfter,
    });
  }
  // Not the contract's body: a proxy's page, a gateway timeout. Keep what there is.
  return new MarketplaceError({
    status,
    code: status >= 500 ? (status === 503 ? "service_unavailable" : "internal_error") : "invalid_response",
    detail: fallback.slice(0, 500) || `HTTP ${status}`,
    requestId,
    retryAfterSeconds: retryAfter,
  });
}

interface TrpcClientErrorLike {
  message: string;
  data?: unknown;
  meta?: { response?: { status?: number; headers?: Headers }; responseJSON?: unknown };
  cause?: unknown;
}

/**
 * A MarketplaceError from whatever a tRPC call rejected with. The server's error formatter puts
 * the contract's body in `data` (`{error, detail, request_id?, httpStatus}`); answers that never
 * reached a procedure (429 before the router, a proxy's 502) are read from the raw response.
 */
export function errorFromTrpc(error: unknown): unknown {
  if (isMarketplaceError(error)) return error;
  if (!(error instanceof Error)) return error;
  if (error.name === "AbortError") return error;
  const candidate = error as Error & TrpcClientErrorLike;
  if (isMarketplaceError(candidate.cause)) return candidate.cause;
  if (candidate.cause instanceof Error && candidate.cause.name === "AbortError") return candidate.cause;
  const response = candidate.meta?.response;
  const data = candidate.data as (ErrorBodyLike & { httpStatus?: number }) | undefined;
  if (isErrorBody(data)) {
    const body = { ...data, detail: data.detail ?? candidate.message };
    return errorFromBody(data.httpStatus ?? response?.status ?? 500, body, response?.headers, candidate.message);
  }
  const json = candidate.meta?.responseJSON;
  if (response?.status) return errorFromBody(response.status, json, response.headers, candidate.message);
  return new MarketplaceError({ status: 0, code: "network_error", detail: candidate.message, cause: error });
}
