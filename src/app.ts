import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Elysia } from "elysia";
import pkg from "../package.json" with { type: "json" };
import { appRouter } from "../routers/_app.ts";
import { BadRequest, MethodNotAllowed, NotFound } from "./errors.ts";
import { agentRouteOpenApiPaths } from "./http/agent-routes.openapi.ts";
import { agentUploadRoutes } from "./http/agent-uploads.ts";
import { type CachedHit, cachedAnswer, keepComputedAnswer } from "./http/answer-cache.ts";
import { procedureContextOf } from "./http/context.ts";
import { corsHeaders, isPreflight, preflightHeaders } from "./http/cors.ts";
import { docsAssets, docsPage } from "./http/docs.ts";
import { downloadRoutes } from "./http/downloads.ts";
import { errorResponse } from "./http/errors.ts";
import { fileRoutes } from "./http/files.ts";
import { githubLoginOpenApiPaths, githubLoginRoutes } from "./http/github-login.ts";
import { checkHealth } from "./http/health.ts";
import { metricsResponse } from "./http/metrics-server.ts";
import { buildOpenApiDocument as buildDocument } from "./http/openapi.ts";
import { checkRateLimit, type RateLimitOutcome } from "./http/rate-limits.ts";
import { readmeOpenApiPaths, readmeRoutes } from "./http/readme.ts";
import { boundedTrpcRequest, urlTooLong } from "./http/request-limits.ts";
import { initState, type RequestState, stateOf } from "./http/request-state.ts";
import { createRestHandler, REST_PREFIX, restRoutes } from "./http/rest.ts";
import { makeRoute, matchRoute } from "./http/routes.ts";
import type { handleMcpRequest } from "./mcp/http.ts";
import type { Runtime } from "./runtime.ts";
import { trpcToDomain } from "./trpc/errors.ts";

const APP_NAME = "Agent Marketplace API";
const APP_VERSION = pkg.version;

export function buildOpenApiDocument() {
  return buildDocument(
    {
      title: APP_NAME,
      version: APP_VERSION,
      description: "Publish, find, validate and install AI agents. Every JSON route is also a tRPC procedure at /trpc.",
    },
    (components) => ({ ...githubLoginOpenApiPaths(components), ...agentRouteOpenApiPaths(components), ...readmeOpenApiPaths(components) }),
  );
}

/** The Elysia host. `fetch` adds what must wrap every response: request id, CORS, metrics, logs. */
export function createApp(rt: Runtime, options: { api?: boolean; metrics?: boolean } = {}) {
  // Built on its first request (~70 ms): a restart does not wait for it, and the worker never needs it.
  let openapi: string | undefined;
  const openapiText = () => {
    openapi ??= JSON.stringify(buildOpenApiDocument());
    return openapi;
  };

  const app = new Elysia()
    .onError(({ request, code, error }) => {
      const state = stateOf(request);
      const known = code === "NOT_FOUND" ? new NotFound("Not Found") : code === "PARSE" ? new BadRequest("Malformed request body") : error;
      return errorResponse(known, { requestId: state.requestId, route: state.route, logger: rt.logger, report: rt });
    })
    .get("/", () => ({ name: APP_NAME, version: APP_VERSION, docs: "/docs" }))
    .get("/health", async () => {
      const { httpStatus, body } = await checkHealth(rt, APP_VERSION);
      return Response.json(body, { status: httpStatus });
    })
    // With METRICS_PORT set, /metrics is served on that port only.
    .use(options.metrics === false ? new Elysia() : new Elysia().get("/metrics", () => metricsResponse(rt)))
    .use(options.api === false ? new Elysia() : apiRoutes(rt, openapiText));

  const nativeRoutes = app.routes.filter((r) => r.method !== "ALL").map((r) => makeRoute(r.method, r.path.replace(/:(\w+)/g, "{$1}"), r.path));
  // A path served both by procedures and by Elysia routes (uploads, redirects) lists them all in Allow.
  const allRoutes =
    options.api === false ? nativeRoutes : [...nativeRoutes, ...restRoutes.map((r) => makeRoute(r.method, REST_PREFIX + r.template, r.procedure))];

  async function fetch(request: Request, server?: { requestIP(r: Request): { address: string } | null }): Promise<Response> {
    const state = initState(request, clientIp(rt, request, server));
    let response: Response;
    let limits: RateLimitOutcome | null = null;
    let cachedHit: CachedHit | null = null;
    const tooLong = urlTooLong(state.url);
    if (tooLong) {
      response = errorResponse(tooLong, { requestId: state.requestId, logger: rt.logger });
    } else if (isPreflight(request)) {
      response = new Response(null, { status: 204, headers: preflightHeaders(request) });
      state.route = "preflight";
    } else {
      // Started together: the cache lookup and the rate limiter's hit travel in the same round trip.
      const cached = cachedAnswer(rt, request, state);
      limits = await checkRateLimit(rt, request, state);
      cachedHit = await cached;
      // A hit's response is built once, with every header it carries (the hot path).
      if (cachedHit && !limits?.denied) return cachedResponse(rt, request, cachedHit, state, limits?.headers);
      response = limits?.denied ?? (await app.handle(request));
      if (state.route === "unmatched") {
        const { route, allowed } = matchRoute(allRoutes, request.method, state.url.pathname);
        // Native routes are labelled by their template, in the REST routes' `{param}` syntax.
        if (route && nativeRoutes.includes(route)) state.route = route.template;
        else if (!route && allowed.length > 0) response = errorResponse(new MethodNotAllowed(allowed), { requestId: state.requestId, logger: rt.logger });
      }
    }
    return finish(rt, request, response, state, limits?.headers);
  }

  return { app, fetch, nativeRoutes };
}

/** The public surface: REST, tRPC, MCP, the OpenAPI document, the docs and signed file URLs. */
function apiRoutes(rt: Runtime, openapi: () => string) {
  const handleRest = createRestHandler(rt, { answered: (state, body) => keepComputedAnswer(rt, state, body) });
  const json = (body: string) => new Response(body, { headers: { "content-type": "application/json" } });
  return (
    new Elysia()
      .get("/openapi.json", () => json(openapi()))
      .get(`${REST_PREFIX}/openapi.json`, () => json(openapi()))
      .get("/docs", () => new Response(docsPage(`${REST_PREFIX}/openapi.json`, APP_NAME), { headers: { "content-type": "text/html; charset=utf-8" } }))
      .get("/docs/assets/:name", async ({ params }) => {
        const asset = docsAssets[params.name];
        if (!asset) throw new NotFound("Not Found");
        // Read here (a file body that fails mid-response gets Bun's HTML error page): an
        // unreadable asset is the contract's JSON 500 with a request id.
        return new Response(await Bun.file(asset.path).bytes(), { headers: { "content-type": asset.type, "cache-control": "public, max-age=86400" } });
      })
      .use(fileRoutes(rt))
      .use(githubLoginRoutes(rt))
      // Multipart publishing and downloads: REST-only, matched before the REST bridge's wildcard.
      .use(agentUploadRoutes(rt, handleRest))
      .use(downloadRoutes(rt))
      .use(readmeRoutes(rt))
      // The Model Context Protocol (Streamable HTTP, stateless): the catalog as tools for AI assistants.
      // Loaded on the first call: the MCP SDK and the tools are not needed to start serving.
      .post("/mcp", async ({ request }) => (await mcpHandler())(rt, request, { name: APP_NAME, version: APP_VERSION }))
      .all("/trpc/*", async ({ request }) => {
        const state = stateOf(request);
        state.route = "/trpc";
        return fetchRequestHandler({
          endpoint: "/trpc",
          req: await boundedTrpcRequest(request),
          router: appRouter,
          allowBatching: true,
          createContext: () => procedureContextOf(rt, request),
          // A 503 (or 429) says when to come back on this surface too.
          responseMeta: ({ errors }) => {
            const retryAfter = errors.map((e) => trpcToDomain(e).headers["Retry-After"]).find((v) => v !== undefined);
            return retryAfter ? { headers: { "Retry-After": retryAfter } } : {};
          },
        });
      })
      .all(`${REST_PREFIX}/*`, ({ request }) => handleRest(request, stateOf(request)))
  );
}

function clientIp(rt: Runtime, request: Request, server?: { requestIP(r: Request): { address: string } | null }): string {
  if (rt.env.TRUST_PROXY) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return server?.requestIP(request)?.address ?? "127.0.0.1";
}

function finish(rt: Runtime, request: Request, response: Response, state: RequestState, extraHeaders: Record<string, string> = {}): Response {
  const headers = new Headers(response.headers);
  headers.set("X-Request-Id", state.requestId);
  for (const [key, value] of Object.entries(extraHeaders)) headers.set(key, value);
  for (const [key, value] of Object.entries(corsHeaders(request, rt.env.CORS_ORIGINS))) {
    if (key === "Vary") headers.append(key, value);
    else headers.set(key, value);
  }
  recordRequest(rt, request, state, response.status);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The same headers as finish() gives a computed answer (ETag, Vary, request id, limits, CORS), in one Response. */
function cachedResponse(rt: Runtime, request: Request, hit: CachedHit, state: RequestState, limits: Record<string, string> = {}): Response {
  const { Vary: corsVary, ...cors } = corsHeaders(request, rt.env.CORS_ORIGINS);
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ETag: hit.etag,
    Vary: corsVary ? `Authorization, ${corsVary}` : "Authorization",
    "X-Request-Id": state.requestId,
    ...limits,
    ...cors,
  };
  recordRequest(rt, request, state, hit.status);
  // Redis hands the bytes over in a Node Buffer, which TypeScript's DOM types do not list as a body.
  return new Response(hit.body as BodyInit | null, { status: hit.status, headers });
}

function recordRequest(rt: Runtime, request: Request, state: RequestState, status: number): void {
  const seconds = (performance.now() - state.startedAt) / 1000;
  rt.metrics.httpRequests.record(request.method, state.route, status, seconds);
  rt.logger.info({ request_id: state.requestId, method: request.method, route: state.route, status, duration_ms: Math.round(seconds * 1000) }, "request");
}

let mcpModule: Promise<typeof handleMcpRequest> | undefined;
function mcpHandler(): Promise<typeof handleMcpRequest> {
  mcpModule ??= import("./mcp/http.ts").then((m) => m.handleMcpRequest);
  return mcpModule;
}
