import { TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { ZodError } from "zod";
import { DomainError, type ErrorCode, InternalError, ServiceUnavailable, ValidationFailed, zodIssuesToDetail } from "../errors.ts";
import { dependencyFault, retryAfterSeconds } from "../lib/faults.ts";

/** The one map between domain error codes and tRPC codes; exhaustive by `satisfies`. */
const trpcCodeOf = {
  bad_request: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  not_found: "NOT_FOUND",
  method_not_allowed: "METHOD_NOT_SUPPORTED",
  conflict: "CONFLICT",
  payload_too_large: "PAYLOAD_TOO_LARGE",
  uri_too_long: "BAD_REQUEST",
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

/** Any error that left a procedure, as the domain error the contract describes. */
export function trpcToDomain(error: TRPCError): DomainError {
  const cause = error.cause;
  if (cause instanceof DomainError) return cause;
  const unavailable = unavailableError(cause);
  if (unavailable) return unavailable;
  // Input that never reached our middleware (e.g. a batch call) still gets the 422 shape.
  if (cause instanceof ZodError && error.code === "BAD_REQUEST") return new ValidationFailed(zodIssuesToDetail(cause, "body"));
  const code = domainCodeOf[error.code];
  if (code === undefined) return new InternalError();
  const detail = code === "not_found" && error.message === "Not found" ? "Not Found" : error.message;
  return new DomainError(code, detail, code === "unauthorized" ? { "WWW-Authenticate": "Bearer" } : {});
}

/** A failing dependency (database down or timing out, Redis, S3, a full disk) as the contract's 503, or null. */
export function unavailableError(error: unknown): ServiceUnavailable | null {
  const fault = dependencyFault(error);
  if (!fault) return null;
  const what = fault.dependency === "disk" ? "Storage space is exhausted" : `The ${fault.dependency} is unavailable`;
  return new ServiceUnavailable(`${what}; try again shortly`, retryAfterSeconds(fault));
}
