import { z } from "zod";
import { exampleErrors } from "./examples.ts";

/** The contract's error codes, each with its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  validation_error: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const errorCodes = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

const validationIssue = z.object({
  loc: z.array(z.union([z.string(), z.number()])).describe('Where: ["body" | "query" | "path", field, ...]'),
  msg: z.string(),
  type: z.string(),
});

/** Every error answer: `{error, detail}`, plus the request id on 5xx. */
export const errorBody = z
  .object({
    error: z.enum(errorCodes),
    detail: z
      .union([z.string(), z.array(validationIssue), z.record(z.string(), z.unknown())])
      .describe("A message; for validation_error an array of {loc, msg, type}; for a blocked user an object"),
    request_id: z.string().optional().describe("Present on 5xx answers; also in the X-Request-Id header"),
  })
  .meta({ id: "ErrorBody", examples: exampleErrors });

export type ValidationIssue = z.infer<typeof validationIssue>;
export type ErrorBody = z.infer<typeof errorBody>;
export type ErrorDetail = ErrorBody["detail"];
