import type { ServiceContext } from "../services/context.ts";
import type { Context, ServiceHandle } from "./context.ts";

/** The request facts the HTTP layer (or a test) knows, plus the service context it built. */
export function procedureContext(service: ServiceContext, facts: { requestId: string; ip: string; headers: Headers; pathParams?: readonly string[] }): Context {
  return { ...facts, pathParams: facts.pathParams ?? [], actor: service.actor, service: service as unknown as ServiceHandle };
}

/** The service context behind a procedure's context, with the actor as narrowed by its tier. */
export function svc<C extends Context>(ctx: C): ServiceContext & { actor: C["actor"] } {
  return ctx.service as unknown as ServiceContext & { actor: C["actor"] };
}
