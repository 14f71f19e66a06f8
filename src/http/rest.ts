import type { AnyRouter } from "@trpc/server";
import { createOpenApiNodeHttpHandler } from "trpc-to-openapi";
import { appRouter } from "../../routers/_app.ts";
import { BadRequest, MethodNotAllowed, NotFound } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { answerEtag } from "../services/catalog-answers.ts";
import { MAX_JSON_BODY_BYTES, readTextWithLimit } from "./body.ts";
import { procedureContextOf } from "./context.ts";
import { errorResponse } from "./errors.ts";
import { notModified } from "./etag.ts";
import type { RequestState } from "./request-state.ts";
import { matchRoute, type RestRoute, restRoutesOf } from "./routes.ts";

export const REST_PREFIX = "/api/v1";

export const restRoutes = restRoutesOf(appRouter);
const statusOfProcedure = new Map(restRoutes.map((r) => [r.procedure, r.status]));

interface PendingCall {
  request: Request;
  state: RequestState;
  route: RestRoute;
  /** What the procedure failed with; the answer is built from it, not from the bridge's JSON. */
  error?: unknown;
}

type NodeHandler = ReturnType<typeof createOpenApiNodeHttpHandler<AnyRouter, never, never>>;

/**
 * The JSON REST surface. trpc-to-openapi's fetch adapter rebuilds its handler (and, outside
 * production, the whole OpenAPI document) on every request; we build the node handler once and
 * give it a small request/response shim instead.
 */
export function createRestHandler(rt: Runtime, hooks: { answered?(state: RequestState, body: string): void } = {}) {
  const calls = new WeakMap<object, PendingCall>();
  const handler = createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: ({ req }: { req: object }) => {
      const call = calls.get(req)!;
      return procedureContextOf(rt, call.request, call.route.params);
    },
    onError: ({ error, req }: { error: unknown; req: object }) => {
      const call = calls.get(req);
      if (call) call.error = error;
    },
    responseMeta: ({ errors, paths }: { errors: unknown[]; paths?: readonly string[] }) =>
      errors.length > 0 ? {} : { status: statusOfProcedure.get(paths?.[0] ?? "") ?? 200 },
  } as never) as unknown as NodeHandler;

  return async function handleRest(request: Request, state: RequestState): Promise<Response> {
    const url = state.url;
    const path = url.pathname.slice(REST_PREFIX.length) || "/";
    // The answer cache matched this GET already; no need to match it twice.
    const { route, allowed } = state.restRoute ? { route: state.restRoute, allowed: [] } : matchRoute(restRoutes, request.method, path);
    if (!route) {
      if (allowed.length > 0) throw new MethodNotAllowed(allowed);
      throw new NotFound("Not Found");
    }
    state.route = REST_PREFIX + route.template;
    const body = await readJsonBody(request);
    // A body-less POST reads as `{}`; the bridge must then see it as JSON too, or it answers 415.
    const headers = body !== undefined && !request.headers.has("content-type") ? jsonHeaders(request.headers) : request.headers;
    // HEAD is GET without the body: the procedure runs, the answer keeps its status and headers.
    const head = request.method === "HEAD";
    const req = new Proxy(request, {
      get: (target, prop) => {
        if (prop === "method") return head ? "GET" : target.method;
        if (prop === "url") return `${url.origin}${path}${url.search}`;
        if (prop === "body") return body;
        if (prop === "headers") return headers;
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
      has: (target, prop) => prop === "body" || Reflect.has(target, prop),
    });
    const call: PendingCall = { request, state, route };
    calls.set(req, call);
    const logger = rt.logger;
    return new Promise<Response>((resolve) => {
      const headers = new Headers();
      let statusCode = 200;
      const res = {
        setHeader: (key: string, value: string | string[]) => {
          if (typeof value === "string") headers.set(key, value);
          else for (const v of value) headers.append(key, v);
        },
        get statusCode() {
          return statusCode;
        },
        set statusCode(code: number) {
          statusCode = code;
        },
        end: (text?: string) => {
          if (call.error === undefined && statusCode === 200 && text !== undefined && !head) hooks.answered?.(state, text);
          const response =
            call.error === undefined
              ? conditionalResponse(request, statusCode, headers, text)
              : errorResponse(call.error, { requestId: state.requestId, route: state.route, logger, report: rt });
          resolve(head ? withoutBody(response) : response);
        },
      };
      void handler(req as never, res as never);
    });
  };
}

/**
 * Bodies are read with a cap and parsed here. A body-less POST is `{}`, so verbs like star or
 * unblock work without a Content-Type; the bridge answers 415 for a body that is not JSON.
 */
async function readJsonBody(request: Request): Promise<unknown> {
  if (request.method === "GET" || request.method === "DELETE" || request.method === "HEAD") return undefined;
  const text = await readTextWithLimit(request, MAX_JSON_BODY_BYTES);
  if (text.trim() === "") return {};
  if (!request.headers.get("content-type")?.includes("application/json")) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest("Request body is not valid JSON");
  }
}

function jsonHeaders(original: Headers): Headers {
  const headers = new Headers(original);
  headers.set("content-type", "application/json");
  return headers;
}

/**
 * Contract section 1: a GET answer carries an ETag (a hash of its JSON), and an If-None-Match
 * that names it gets 304 without a body. The answer depends on the caller (private agents), so
 * the tag is only ever compared with what this same caller was sent.
 */
function conditionalResponse(request: Request, status: number, headers: Headers, text: string | undefined): Response {
  if ((request.method !== "GET" && request.method !== "HEAD") || status !== 200 || text === undefined)
    return new Response(status === 204 ? null : text, { status, headers });
  const etag = answerEtag(text);
  headers.set("ETag", etag);
  // Shared caches must not hand one caller's answer (with its private agents) to another.
  headers.set("Vary", "Authorization");
  if (notModified(request, etag)) return new Response(null, { status: 304, headers });
  return new Response(text, { status, headers });
}

/** The answer to HEAD: GET's status and headers, its length, no body. */
async function withoutBody(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  if (response.body) headers.set("Content-Length", String((await response.arrayBuffer()).byteLength));
  return new Response(null, { status: response.status, statusText: response.statusText, headers });
}
