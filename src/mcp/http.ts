import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { DomainError, describeDomainError, Forbidden, InternalError } from "../errors.ts";
import { MAX_JSON_BODY_BYTES, readTextWithLimit } from "../http/body.ts";
import { serviceContextOf } from "../http/context.ts";
import { chargeCaller } from "../http/rate-limits.ts";
import { stateOf } from "../http/request-state.ts";
import type { Runtime } from "../runtime.ts";
import type { ServiceContext } from "../services/context.ts";
import { createMcpServer } from "./server.ts";

const MCP_PATH = "/mcp";

/** Methods that read the catalog; each costs one call of the caller's hourly budget, like one REST request. */
const CHARGED_METHODS = new Set(["tools/call", "resources/read", "resources/list"]);

/** JSON-RPC's "server error" range, for refusals that happen before the protocol runs (auth, limits). */
const REFUSED = -32000;

type JsonRpcId = string | number | null;

/**
 * POST /mcp: the Model Context Protocol over Streamable HTTP, stateless (no session; every POST
 * stands alone, so any instance can answer it). Browsers may call it only from CORS_ORIGINS (the
 * spec's Origin check against DNS rebinding). The caller is resolved from the Authorization
 * header as on REST, and a token that does not authenticate is refused with 401 before the
 * protocol runs. Housekeeping (initialize, lists of tools, notifications) is free; each message
 * that reads the catalog is charged to the same hourly rate limit as REST.
 */
export async function handleMcpRequest(rt: Runtime, request: Request, info: { name: string; version: string }): Promise<Response> {
  const state = stateOf(request);
  state.route = MCP_PATH;
  // The spec's guard against DNS rebinding: a browser page may call only from an allowed origin.
  const origin = request.headers.get("origin");
  if (origin !== null && !rt.env.CORS_ORIGINS.includes(origin) && !rt.env.CORS_ORIGINS.includes("*")) {
    return refusal(rt, state.requestId, null, new Forbidden(`Origin ${origin} may not call /mcp (CORS_ORIGINS)`));
  }
  let body: unknown;
  let ctx: ServiceContext;
  try {
    const text = await readTextWithLimit(request, MAX_JSON_BODY_BYTES);
    try {
      body = JSON.parse(text);
    } catch {
      return rpcError(400, null, ErrorCode.ParseError, "Parse error: the body is not JSON");
    }
    ctx = await serviceContextOf(rt, request);
  } catch (error) {
    return refusal(rt, state.requestId, idOf(body), error);
  }

  let limitHeaders: Record<string, string> = {};
  const cost = messagesOf(body).filter((m) => CHARGED_METHODS.has(m.method)).length;
  if (cost > 0) {
    const charged = await chargeCaller(rt, request, state, cost);
    if (charged?.refused) return refusal(rt, state.requestId, idOf(body), charged.refused, charged.headers);
    limitHeaders = charged?.headers ?? {};
  }

  const server = createMcpServer({ ctx, requestId: state.requestId }, info);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request, { parsedBody: body });
    for (const [key, value] of Object.entries(limitHeaders)) response.headers.set(key, value);
    return response;
  } finally {
    // JSON answers are complete once handleRequest resolves; nothing of this request lives on.
    await server.close();
  }
}

function messagesOf(body: unknown): { method: string }[] {
  const list = Array.isArray(body) ? body : [body];
  return list.filter((m): m is { method: string } => typeof m === "object" && m !== null && typeof (m as { method?: unknown }).method === "string");
}

/** The id to answer with: a single request's own, else null (JSON-RPC's id of an error without one). */
function idOf(body: unknown): JsonRpcId {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** A refusal before the protocol ran, with the HTTP status REST would give and the contract's body as `data`. */
function refusal(rt: Runtime, requestId: string, id: JsonRpcId, error: unknown, extraHeaders: Record<string, string> = {}): Response {
  const domain = error instanceof DomainError ? error : new InternalError();
  if (!(error instanceof DomainError)) rt.logger.error({ err: error, request_id: requestId }, "unhandled error before an MCP request ran");
  const { status, body, headers } = describeDomainError(domain, requestId);
  const message = typeof body.detail === "string" ? body.detail : body.error;
  return rpcError(status, id, status >= 500 ? ErrorCode.InternalError : REFUSED, message, body, { ...headers, ...extraHeaders });
}

function rpcError(status: number, id: JsonRpcId, code: number, message: string, data?: unknown, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", id, error: { code, message, ...(data === undefined ? {} : { data }) } }, { status, headers });
}
