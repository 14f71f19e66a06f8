import type { Actor } from "../services/actor.ts";

declare const serverSide: unique symbol;

/**
 * The server's side of a request (ports, database executor, logger), opaque here so that the
 * router's type, which carries this context, names nothing of the server's runtime. Procedures
 * open it with `svc(ctx)` (src/trpc/service.ts).
 */
export interface ServiceHandle {
  readonly [serverSide]: true;
}

/** What a procedure sees of its request. */
export interface Context {
  requestId: string;
  ip: string;
  headers: Headers;
  /** Input keys that came from the URL path (REST), so 422s can say `loc: ["path", ...]`. */
  pathParams: readonly string[];
  actor: Actor;
  service: ServiceHandle;
}
