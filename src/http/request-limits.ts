import { BadRequest, UriTooLong } from "../errors.ts";
import { MAX_JSON_BODY_BYTES, readTextWithLimit } from "./body.ts";

/**
 * Limits on a request's shape, checked before any handler reads it.
 *
 * URLs: Bun's HTTP parser answers an empty 431 itself, before any JavaScript runs, when the
 * request line and headers pass 16 KiB (its --max-http-header-size); that answer cannot be
 * intercepted. Below it, a URL longer than MAX_URL_BYTES gets the contract's JSON error (414).
 */
const MAX_URL_BYTES = 8 * 1024;

/** Procedure calls one tRPC request may batch; each is charged to the rate limit. */
export const MAX_TRPC_BATCH = 20;

export function urlTooLong(url: URL): UriTooLong | null {
  const length = url.pathname.length + url.search.length;
  return length > MAX_URL_BYTES ? new UriTooLong(`The URL is ${length} bytes long; at most ${MAX_URL_BYTES} are accepted`) : null;
}

/** How many procedures a /trpc path calls (`/trpc/a,b,c` batches three). */
export function trpcCallCount(pathname: string): number {
  const procedures = pathname.replace(/^\/trpc\/?/, "");
  return procedures === "" ? 1 : procedures.split(",").length;
}

/**
 * The request tRPC may see: at most MAX_TRPC_BATCH calls, and a JSON body read with the same
 * cap as REST (tRPC itself would read whatever Bun accepts, up to the upload limit).
 */
export async function boundedTrpcRequest(request: Request): Promise<Request> {
  const calls = trpcCallCount(new URL(request.url).pathname);
  if (calls > MAX_TRPC_BATCH) throw new BadRequest(`A tRPC batch may hold at most ${MAX_TRPC_BATCH} calls; this one has ${calls}`);
  if (request.method === "GET" || request.method === "HEAD") return request;
  const body = await readTextWithLimit(request, MAX_JSON_BODY_BYTES);
  return new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal });
}
