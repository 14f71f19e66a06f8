import { TRPCError } from "@trpc/server";
import { DomainError, describeDomainError, InternalError } from "../errors.ts";
import { dependencyFault, type FaultReporting, reportFault } from "../lib/faults.ts";
import type { Logger } from "../lib/logger.ts";
import { trpcToDomain, unavailableError } from "../trpc/errors.ts";

/**
 * The one place an error becomes an HTTP answer: Elysia's onError, 405, 429 and the REST bridge
 * all come here. Anything that is not a domain error is a 500 with the request id, logged.
 */
export function errorResponse(
  error: unknown,
  request: { requestId: string; route?: string; logger: Logger; report?: FaultReporting },
  extraHeaders: Record<string, string> = {},
): Response {
  const fault = error instanceof DomainError || error instanceof TRPCError ? null : dependencyFault(error);
  if (fault) {
    const fields = { request_id: request.requestId, route: request.route };
    if (request.report) reportFault(request.report, fault, error, fields);
    else request.logger.warn({ err: error, ...fields }, "a dependency failed; answering 503");
  }
  const domain = (fault && unavailableError(error)) || asDomainError(error);
  // Procedures log their own failures before they get here.
  if (domain instanceof InternalError && !(error instanceof TRPCError))
    request.logger.error({ err: error, request_id: request.requestId, route: request.route }, "unhandled error");
  const { status, body, headers } = describeDomainError(domain, request.requestId);
  return Response.json(body, { status, headers: { ...headers, ...extraHeaders } });
}

function asDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof TRPCError) return trpcToDomain(error);
  return new InternalError();
}
