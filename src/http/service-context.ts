import type { Runtime } from "../runtime.ts";
import type { ServiceContext } from "../services/context.ts";
import { resolveActor } from "../services/auth/bearer.ts";
import { stateOf } from "./request-state.ts";

/**
 * The service context of a REST-only route (uploads, downloads): the caller resolved once per
 * request (the rate limiter may already have done it), and a logger carrying the request id.
 */
export async function serviceContextOf(rt: Runtime, request: Request): Promise<ServiceContext> {
  const state = stateOf(request);
  const actor = await (state.actor ?? resolveActor(rt, request.headers));
  return { rt, db: rt.db.db, actor, logger: rt.logger.child({ request_id: state.requestId }) };
}
