import type { Runtime } from "../runtime.ts";
import { requestContext } from "../runtime.ts";
import { ANONYMOUS } from "../services/actor.ts";
import { findAnswer, keepAnswer } from "../services/catalog-answers.ts";
import { DETAIL_TTL_SECONDS, LIST_TTL_SECONDS, viewerKey } from "../services/catalog-cache.ts";
import { actorOf } from "./context.ts";
import { notModified } from "./etag.ts";
import type { RequestState } from "./request-state.ts";
import { REST_PREFIX, restRoutes } from "./rest.ts";
import { matchRoute } from "./routes.ts";

/**
 * The REST host's fast path for the catalog's hot reads: a cached answer is sent as the bytes
 * that were sent the first time, with its ETag (304 when If-None-Match names it), before the
 * REST bridge, tRPC or zod see the request. The lookup is one cache round trip, started in the
 * same tick as the rate limiter's. A miss goes the normal way, and rest.ts keeps what it answers.
 *
 * The key is the viewer (see viewerKey: public answers are shared) and the path and query as
 * sent; only 200 answers are kept, so bad input is never cached.
 */

const COUNTER_SORTS = new Set(["downloads", "stars", "rating"]);

interface CacheableRead {
  ttlSeconds: number;
  /** Whether this request's order or filter depends on downloads, stars or ratings. */
  orderedByCounters(query: URLSearchParams): boolean;
}

const byCounterSort = (query: URLSearchParams) => COUNTER_SORTS.has(query.get("sort") ?? "");
const never = () => false;

const CACHEABLE: Record<string, CacheableRead> = {
  "agents.list": { ttlSeconds: LIST_TTL_SECONDS, orderedByCounters: byCounterSort },
  "agents.listByCategory": { ttlSeconds: LIST_TTL_SECONDS, orderedByCounters: byCounterSort },
  "agents.get": { ttlSeconds: DETAIL_TTL_SECONDS, orderedByCounters: never },
  // Relevance weighs popularity only to order near-equal matches: such an order may lag a few
  // downloads behind for the answer's lifetime, its counts never do. Browsing (no text) is by downloads.
  "search.agents": {
    ttlSeconds: LIST_TTL_SECONDS,
    orderedByCounters: (query) => byCounterSort(query) || query.has("min_rating") || (query.get("q") ?? "").trim() === "",
  },
  "categories.list": { ttlSeconds: LIST_TTL_SECONDS, orderedByCounters: never },
  "categories.get": { ttlSeconds: LIST_TTL_SECONDS, orderedByCounters: never },
};

/** A cached answer: 304 when the caller's If-None-Match names it, else its bytes. */
export interface CachedHit {
  status: 200 | 304;
  etag: string;
  body: string | Uint8Array | null;
}

/** The cached answer to a GET, or null (not cacheable, not cached, or the cache is unavailable). Never throws. */
export async function cachedAnswer(rt: Runtime, request: Request, state: RequestState): Promise<CachedHit | null> {
  if (request.method !== "GET") return null;
  const url = state.url;
  if (!url.pathname.startsWith(`${REST_PREFIX}/`)) return null;
  const path = url.pathname.slice(REST_PREFIX.length);
  const { route } = matchRoute(restRoutes, "GET", path);
  if (!route) return null;
  state.restRoute = route;
  const read = CACHEABLE[route.procedure];
  if (!read) return null;
  try {
    // No Authorization header: anonymous, without a token lookup. A bad token is refused by the normal path.
    const actor = request.headers.has("authorization") ? await actorOf(rt, request).catch(() => null) : ANONYMOUS;
    if (actor === null) return null;
    const ctx = requestContext(rt, actor);
    const viewer = await viewerKey(ctx);
    if (viewer === null) return null;
    const key = `${viewer}:${path}${url.search}`;
    const { answer, slot } = await findAnswer(ctx, {
      name: route.procedure,
      key,
      ttlSeconds: read.ttlSeconds,
      orderedByCounters: read.orderedByCounters(url.searchParams),
    });
    state.answerSlot = slot ?? undefined;
    if (!answer) return null;
    state.route = REST_PREFIX + route.template;
    if (notModified(request, answer.etag)) return { status: 304, etag: answer.etag, body: null };
    return { status: 200, etag: answer.etag, body: answer.body };
  } catch (err) {
    rt.logger.warn({ err, request_id: state.requestId }, "answer cache lookup failed; answering without it");
    return null;
  }
}

/** After the normal path answered a cacheable GET with 200: keep the bytes for the next caller. */
export function keepComputedAnswer(rt: Runtime, state: RequestState, body: string): void {
  if (!state.answerSlot) return;
  try {
    keepAnswer(rt, state.answerSlot, body);
  } catch (err) {
    rt.logger.warn({ err, request_id: state.requestId }, "could not keep an answer");
  }
}
