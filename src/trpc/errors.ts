import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";
import { DomainError, type ErrorBody, type ErrorCode, statusOf, zodIssuesToDetail } from "../errors.ts";

/** The one map between domain error codes and tRPC codes; exhaustive by `satisfies`. */
const trpcCodeOf = {
  bad_request: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  method_not_allowed: "METHOD_NOT_SUPPORTED",
  conflict: "CONFLICT",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  unsupported_media_type: "UNSUPPORTED_MEDIA_TYPE",
  validation_error: "UNPROCESSABLE_CONTENT",
  rate_limited: "TOO_MANY_REQUESTS",
  internal_error: "INTERNAL_SERVER_ERROR",
  service_unavailable: "SERVICE_UNAVAILABLE",
} as const satisfies Record<ErrorCode, TRPC_ERROR_CODE_KEY>;

/** tRPC's own errors (bad JSON, unknown procedure, ...) in domain terms. */
const domainCodeOf: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  PARSE_ERROR: "bad_request",
  BAD_REQUEST: "bad_request",
  UNAUTHORIZED: "unauthorized",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not_found",
  METHOD_NOT_SUPPORTED: "method_not_allowed",
  CONFLICT: "conflict",
  PAYLOAD_TOO_LARGE: "payload_too_large",
  UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
  UNPROCESSABLE_CONTENT: "validation_error",
  TOO_MANY_REQUESTS: "rate_limited",
  SERVICE_UNAVAILABLE: "service_unavailable",
};

export function domainToTrpc(error: DomainError): TRPCError {
  return new TRPCError({ code: trpcCodeOf[error.code], message: error.message, cause: error });
}

/** The contract's error body and headers for any error that left a procedure. */
export function describeError(error: TRPCError, requestId?: string): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const cause = error.cause;
  if (cause instanceof DomainError) {
    return { status: cause.status, body: withRequestId({ error: cause.code, detail: cause.detail }, cause.status, requestId), headers: cause.headers };
  }
  if (cause instanceof ZodError && error.code === "BAD_REQUEST") {
    // Input that never reached our middleware (e.g. a batch call) still gets the 422 shape.
    return { status: 422, body: { error: "validation_error", detail: zodIssuesToDetail(cause, "body") }, headers: {} };
  }
  const code = domainCodeOf[error.code] ?? "internal_error";
  const status = statusOf[code];
  if (code === "internal_error") {
    return { status, body: withRequestId({ error: code, detail: "Internal server error" }, status, requestId), headers: {} };
  }
  const detail = code === "not_found" && error.message === "Not found" ? "Not Found" : error.message;
  return { status, body: { error: code, detail }, headers: code === "unauthorized" ? { "WWW-Authenticate": "Bearer" } : {} };
}

function withRequestId(body: ErrorBody, status: number, requestId: string | undefined): ErrorBody {
  return status >= 500 && requestId ? { ...body, request_id: requestId } : body;
}
