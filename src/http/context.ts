import { dependencyFault, reportFault } from "../lib/faults.ts";
import type { Runtime } from "../runtime.ts";
import { requestContext } from "../runtime.ts";
import { type Actor, ANONYMOUS } from "../services/actor.ts";
import { resolveActor } from "../services/auth/bearer.ts";
import type { ServiceContext } from "../services/context.ts";
import type { Context } from "../trpc/context.ts";
import { procedureContext } from "../trpc/service.ts";
import { stateOf } from "./request-state.ts";

/** The caller of a request, resolved once (the rate limiter usually did it first). */
export function actorOf(rt: Runtime, request: Request): Promise<Actor> {
  const state = stateOf(request);
  state.actor ??= resolveActor(requestContext(rt, ANONYMOUS), request.headers.get("authorization"));
  return state.actor;
}

/** The service context of a request: its caller and a logger carrying the request id. */
export async function serviceContextOf(rt: Runtime, request: Request): Promise<ServiceContext> {
  const state = stateOf(request);
  return requestContext(rt, await actorOf(rt, request), rt.logger.child({ request_id: state.requestId }));
}

/** A procedure's context for a request; REST passes the input keys its path carried. */
export async function procedureContextOf(rt: Runtime, request: Request, pathParams: readonly string[] = []): Promise<Context> {
  const state = stateOf(request);
  try {
    return procedureContext(await serviceContextOf(rt, request), { requestId: state.requestId, ip: state.ip, headers: request.headers, pathParams });
  } catch (err) {
    // tRPC turns this into an answer without telling anyone; the operator needs the request id.
    const fault = dependencyFault(err);
    if (fault) reportFault(rt, fault, err, { request_id: state.requestId, route: state.route });
    else rt.logger.error({ err, request_id: state.requestId, route: state.route }, "could not build the request's context");
    throw err;
  }
}
