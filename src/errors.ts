import type { ZodError } from "zod";

/**
 * Domain errors. Services throw these and nothing else; src/trpc/errors.ts maps them
 * to tRPC codes and REST status + `{error, detail}` in one place.
 */

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "validation_error"
  | "rate_limited"
  | "internal_error"
  | "service_unavailable";

export const statusOf = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_error: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

export type ErrorDetail = string | ValidationIssue[] | Record<string, unknown>;

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

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
  constructor(detail: ErrorDetail = "Service unavailable") {
    super("service_unavailable", detail);
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

export interface ErrorBody {
  error: ErrorCode;
  detail: ErrorDetail;
  request_id?: string;
}
