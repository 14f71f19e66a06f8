import type { ZodError } from "zod";
import { ERROR_STATUS, type ErrorBody, type ErrorCode, type ErrorDetail, type ValidationIssue } from "./contract/errors.ts";

/**
 * Domain errors. Services throw these and nothing else; src/trpc/errors.ts maps them to tRPC
 * codes, and describeDomainError below is the one place their `{error, detail}` body is built.
 */

export type { ErrorBody, ErrorCode, ErrorDetail, ValidationIssue } from "./contract/errors.ts";

const statusOf: Record<ErrorCode, number> = ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: ErrorDetail,
    /** Extra response headers the REST surface must send (Retry-After, Allow, ...). */
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === "string" ? detail : code);
    this.name = "DomainError";
  }

  get status(): number {
    return statusOf[this.code];
  }
}

export class BadRequest extends DomainError {
  constructor(detail: ErrorDetail) {
    super("bad_request", detail);
  }
}

export class Unauthorized extends DomainError {
  constructor(detail: ErrorDetail = "Not authenticated") {
    super("unauthorized", detail, { "WWW-Authenticate": "Bearer" });
  }
}

export class Forbidden extends DomainError {
  constructor(detail: ErrorDetail = "Forbidden") {
    super("forbidden", detail);
  }
}

export class NotFound extends DomainError {
  constructor(detail: ErrorDetail = "Not Found") {
    super("not_found", detail);
  }
}

export class MethodNotAllowed extends DomainError {
  constructor(allowed: readonly string[]) {
    super("method_not_allowed", "Method Not Allowed", { Allow: allowed.join(", ") });
  }
}

export class InternalError extends DomainError {
  constructor() {
    super("internal_error", "Internal server error");
  }
}

export class Conflict extends DomainError {
  constructor(detail: ErrorDetail) {
    super("conflict", detail);
  }
}

export class PayloadTooLarge extends DomainError {
  constructor(detail: ErrorDetail) {
    super("payload_too_large", detail);
  }
}

export class UriTooLong extends DomainError {
  constructor(detail: ErrorDetail) {
    super("uri_too_long", detail);
  }
}

export class UnsupportedMediaType extends DomainError {
  constructor(detail: ErrorDetail) {
    super("unsupported_media_type", detail);
  }
}

export class ValidationFailed extends DomainError {
  constructor(issues: ValidationIssue[]) {
    super("validation_error", issues);
  }
}

export class RateLimited extends DomainError {
  constructor(retryAfterSeconds: number, detail: ErrorDetail = "Rate limit exceeded") {
    super("rate_limited", detail, { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export class ServiceUnavailable extends DomainError {
  constructor(detail: ErrorDetail = "Service unavailable", retryAfterSeconds?: number) {
    super("service_unavailable", detail, retryAfterSeconds === undefined ? {} : { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

/** A 422 for a single field, shaped like a zod failure so clients see one format. */
export function fieldError(loc: (string | number)[], msg: string, type = "value_error"): ValidationFailed {
  return new ValidationFailed([{ loc, msg, type }]);
}

export type InputLocation = "body" | "query";

/** A zod failure as the contract's 422 detail; keys that came from the URL path say "path". */
export function zodIssuesToDetail(error: ZodError, where: InputLocation, pathParams: readonly string[] = []): ValidationIssue[] {
  return error.issues.map((issue) => {
    const first = issue.path[0];
    const source = typeof first === "string" && pathParams.includes(first) ? "path" : where;
    return { loc: [source, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))], msg: issue.message, type: issue.code };
  });
}

/** The contract's status, body and headers of a domain error; 5xx bodies carry the request id. */
export function describeDomainError(error: DomainError, requestId?: string): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const body: ErrorBody = { error: error.code, detail: error.detail };
  if (error.status >= 500 && requestId) body.request_id = requestId;
  return { status: error.status, body, headers: error.headers };
}
