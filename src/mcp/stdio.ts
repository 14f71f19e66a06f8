import type { Readable, Writable } from "node:stream";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { isInitializeRequest, isJSONRPCRequest, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export interface StdioBridgeOptions {
  /** The marketplace's base URL; its /mcp endpoint is used. */
  url: string;
  /** A session or API token: the user's private agents become visible, as on REST. */
  token?: string;
  stdin?: Readable;
  stdout?: Writable;
  /** Where the bridge's own messages go (never stdout, which carries the protocol). */
  log?: (line: string) => void;
}

/**
 * `agent-marketplace mcp`: the marketplace's MCP tools and resources over stdio, for clients
 * that only start local processes. Every message is relayed as it is to the server's /mcp
 * (Streamable HTTP) and every answer back, so the tools are the server's own, never a copy that
 * could drift. Resolves when stdin ends.
 */
export async function serveStdio(options: StdioBridgeOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const endpoint = new URL("mcp", options.url.endsWith("/") ? options.url : `${options.url}/`);
  const remote = new StreamableHTTPClientTransport(endpoint, {
    requestInit: options.token ? { headers: { Authorization: `Bearer ${options.token}` } } : {},
    fetch: relayErrors,
  });
  const stdin = options.stdin ?? process.stdin;
  const local = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  const initializing = new Set<string | number>();

  // Sends still waiting for their answer: stdin may end (a piped script) before they are back.
  const inFlight = new Set<Promise<void>>();

  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && isInitializeRequest(message)) initializing.add(message.id);
    const sent = remote.send(message).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      log(`agent-marketplace mcp: ${endpoint.href}: ${reason}`);
      if (isJSONRPCRequest(message)) {
        void local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32000, message: `The marketplace at ${endpoint.href} did not answer: ${reason}` } });
      }
    });
    inFlight.add(sent);
    void sent.finally(() => inFlight.delete(sent));
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    // The server's later requests must carry the negotiated version, as the SDK's Client does it.
    if ("id" in message && "result" in message && initializing.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") remote.setProtocolVersion(version);
    }
    void local.send(message);
  };
  remote.onerror = (error) => log(`agent-marketplace mcp: ${error.message}`);
  local.onerror = (error) => log(`agent-marketplace mcp: ${error.message}`);

  const ended = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
  });
  await remote.start();
  await local.start();
  await ended;
  await Promise.allSettled([...inFlight]);
  await local.close();
  await remote.close();
}

/**
 * The SDK's HTTP transport throws on a non-2xx answer and drops its body; ours refuses (401 for a
 * bad token, 429) with a JSON-RPC error that names the request. Passed on as a normal answer, the
 * client sees that error, with the server's own words, instead of a silence.
 */
async function relayErrors(input: string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.ok || !response.headers.get("content-type")?.includes("application/json")) return response;
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { jsonrpc?: unknown; error?: unknown; id?: unknown };
    if (body.jsonrpc === "2.0" && body.error && body.id !== null && body.id !== undefined) {
      return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
    }
  } catch {
    // Not JSON after all: the transport reports the status.
  }
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}
