import type { Actor } from "../services/actor.ts";
import type { AnswerSlot } from "../services/catalog-answers.ts";
import type { RestRoute } from "./routes.ts";

/** Per-request facts gathered by the HTTP host, keyed by the Request object itself. */
export interface RequestState {
  requestId: string;
  ip: string;
  /** The request's URL, parsed once for every layer that needs its path or query. */
  url: URL;
  startedAt: number;
  /** Route template for metrics and logs; never the raw path. */
  route: string;
  /** The caller, once the HTTP layer has resolved it (rate limiting); procedures reuse it. */
  actor?: Promise<Actor>;
  /** The REST route of a GET, matched once by the answer cache. */
  restRoute?: RestRoute;
  /** Where the answer to a cacheable GET is kept once computed. */
  answerSlot?: AnswerSlot;
}

const states = new WeakMap<Request, RequestState>();

export function stateOf(request: Request): RequestState {
  let state = states.get(request);
  if (!state) {
    state = { requestId: crypto.randomUUID(), ip: "unknown", url: new URL(request.url), startedAt: performance.now(), route: "unmatched" };
    states.set(request, state);
  }
  return state;
}

export function initState(request: Request, ip: string): RequestState {
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && /^[\w.:-]{8,128}$/.test(incoming) ? incoming : crypto.randomUUID();
  const state: RequestState = { requestId, ip, url: new URL(request.url), startedAt: performance.now(), route: "unmatched" };
  states.set(request, state);
  return state;
}
