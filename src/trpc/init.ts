import { initTRPC } from "@trpc/server";
import { ZodError } from "zod";
import { DomainError, describeDomainError, Forbidden, ServiceUnavailable, Unauthorized, ValidationFailed, zodIssuesToDetail } from "../errors.ts";
import { dependencyFault, reportFault } from "../lib/faults.ts";
import { type Caller, isAdmin, isCaller, mayChange, PUBLISH_ONLY_MESSAGE, READ_ONLY_MESSAGE } from "../services/actor.ts";
import type { Context } from "./context.ts";
import { domainToTrpc, trpcToDomain, unavailableError } from "./errors.ts";
import { svc } from "./service.ts";

/** Which tier guards a procedure; set by the tier itself, so every procedure carries it. */
export type AuthTier = "public" | "user" | "admin";

/** Answers a procedure gives beyond what its tier, path and input imply; the OpenAPI document lists them. */
type DocumentedError = 400 | 403 | 404 | 409 | 503;

/** What trpc-to-openapi reads from `.meta({ openapi })`, plus our own success status, tier and answers. */
export type ProcedureMeta = {
  openapi?: {
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    protect?: boolean;
    enabled?: boolean;
  };
  status?: 200 | 201 | 202 | 204;
  auth?: AuthTier;
  errors?: readonly DocumentedError[];
};

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const { status, body } = describeDomainError(trpcToDomain(error), ctx?.requestId);
      // No stack, no SQL: clients see the contract body and tRPC's code, nothing else.
      return { code: shape.code, message: typeof body.detail === "string" ? body.detail : body.error, data: { ...body, httpStatus: status } };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Converts domain and input errors once, for every procedure, on both surfaces. */
const errorMapping = t.middleware(async ({ ctx, type, next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof DomainError) throw domainToTrpc(cause);
  const fault = dependencyFault(cause);
  if (fault) {
    reportFault(svc(ctx).ports, fault, cause, { request_id: ctx.requestId });
    throw domainToTrpc(unavailableError(cause) ?? new ServiceUnavailable());
  }
  if (cause instanceof ZodError && result.error.code === "BAD_REQUEST") {
    throw domainToTrpc(new ValidationFailed(zodIssuesToDetail(cause, type === "query" ? "query" : "body", ctx.pathParams)));
  }
  if (result.error.code === "INTERNAL_SERVER_ERROR") {
    svc(ctx).logger.error({ err: cause ?? result.error }, "unhandled error in procedure");
  }
  return result;
});

const timing = t.middleware(async ({ ctx, path, type, next }) => {
  const stop = svc(ctx).ports.metrics.procedureDuration.startTimer({ procedure: path, type });
  const result = await next();
  stop({ outcome: result.ok ? "ok" : "error" });
  return result;
});

/**
 * REST path parameters arrive as the raw, percent-encoded segment (trpc-to-openapi matches the
 * pathname as sent): `/agents/%C3%A9moji-agent` names the agent `émoji-agent`. Decoded here,
 * before any input validator, for the keys that came from the path.
 */
const decodedPathParams = t.middleware(({ ctx, getRawInput, next }) => {
  if (ctx.pathParams.length === 0) return next();
  return next({
    getRawInput: async () => {
      const raw = await getRawInput();
      if (typeof raw !== "object" || raw === null) return raw;
      const decoded: Record<string, unknown> = { ...raw };
      for (const key of ctx.pathParams) {
        const value = decoded[key];
        if (typeof value === "string") decoded[key] = decodeSegment(value);
      }
      return decoded;
    },
  });
});

function decodeSegment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: matched as sent, so it names nothing.
    return value;
  }
}

// Later .meta() calls merge into this one, so the tier survives each procedure's own meta.
export const publicProcedure = t.procedure.use(timing).use(errorMapping).use(decodedPathParams).meta({ auth: "public" });

export const authedProcedure = publicProcedure
  .use(({ ctx, type, next }) => {
    const actor = ctx.actor;
    if (actor.kind === "trustedPublisher") throw new Forbidden(PUBLISH_ONLY_MESSAGE);
    if (!isCaller(actor)) throw new Unauthorized();
    if (type === "mutation" && !mayChange(actor)) throw new Forbidden(READ_ONLY_MESSAGE);
    return next({ ctx: { ...ctx, actor: actor as Caller } });
  })
  .meta({ auth: "user" });

export const adminProcedure = authedProcedure
  .use(({ ctx, next }) => {
    if (ctx.actor.user.role !== "admin") throw new Forbidden("Admin access required");
    // The same rule the services apply (isAdmin): the admin scope, whatever kind of credential.
    if (!isAdmin(ctx.actor)) throw new Forbidden("This token lacks the admin scope");
    return next({ ctx });
  })
  .meta({ auth: "admin" });
