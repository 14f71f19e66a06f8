import { createOpenApiFetchHandler } from "trpc-to-openapi";
import { appRouter } from "../../routers/_app.ts";
import { DomainError, NotFound, PayloadTooLarge, type ErrorBody } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { createContext } from "../trpc/context.ts";
import { describeError } from "../trpc/errors.ts";
import type { RequestState } from "./request-state.ts";
import { matchRoute, restRoutesOf } from "./routes.ts";

export const REST_PREFIX = "/api/v1";
const MAX_JSON_BODY_BYTES = 1024 * 1024;

export const restRoutes = restRoutesOf(appRouter);

/** The JSON REST surface: finds the route (404/405), then lets trpc-to-openapi call the procedure. */
export async function handleRest(rt: Runtime, request: Request, state: RequestState): Promise<Response> {
  const path = new URL(request.url).pathname.slice(REST_PREFIX.length) || "/";
  const { route, allowed } = matchRoute(restRoutes, request.method, path);
  if (!route) {
    if (allowed.length > 0) throw new DomainError("method_not_allowed", "Method Not Allowed", { Allow: allowed.join(", ") });
    throw new NotFound("Not Found");
  }
  state.route = REST_PREFIX + route.template;

  const response = await createOpenApiFetchHandler({
    endpoint: REST_PREFIX,
    req: await withBoundedJsonBody(request),
    router: appRouter,
    createContext: () => createContext(rt, { requestId: state.requestId, ip: state.ip, headers: request.headers, pathParams: route.params }),
    responseMeta: ({ errors }) => {
      const error = errors[0];
      if (!error) return { status: route.status };
      const { status, headers } = describeError(error, state.requestId);
      return { status, headers };
    },
  });
  return reshape(response, state.requestId);
}

/**
 * Bodies are read with a cap (the bridge would read any size), and a body-less POST is
 * treated as `{}` so verbs like star or unblock work without a Content-Type.
 */
async function withBoundedJsonBody(request: Request): Promise<Request> {
  if (request.method === "GET" || request.method === "DELETE" || request.method === "HEAD") return request;
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_JSON_BODY_BYTES) throw new PayloadTooLarge(`Request body exceeds ${MAX_JSON_BODY_BYTES} bytes`);
  const text = await readTextWithLimit(request, MAX_JSON_BODY_BYTES);
  const headers = new Headers(request.headers);
  if (text.trim() === "" && !headers.get("content-type")) headers.set("content-type", "application/json");
  return new Request(request.url, { method: request.method, headers, body: text.trim() === "" ? "{}" : text });
}

async function readTextWithLimit(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new PayloadTooLarge(`Request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** trpc-to-openapi's error body becomes the contract's `{error, detail}`; 204s lose their body. */
async function reshape(response: Response, requestId: string): Promise<Response> {
  if (response.status === 204) return new Response(null, { status: 204, headers: response.headers });
  if (response.status < 400) return response;
  const raw = (await response.json().catch(() => ({}))) as { data?: Partial<ErrorBody> };
  const body: ErrorBody = {
    error: raw.data?.error ?? "internal_error",
    detail: raw.data?.detail ?? "Internal server error",
    ...(raw.data?.request_id ? { request_id: raw.data.request_id } : {}),
  };
  if (response.status >= 500 && !body.request_id) body.request_id = requestId;
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { status: response.status, headers });
}
