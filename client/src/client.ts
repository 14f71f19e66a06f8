import { createTRPCClient, httpBatchLink, type TRPCClient } from "@trpc/client";
import { errorFromTrpc } from "./errors.js";
import { createHelpers, type MarketplaceHelpers } from "./helpers.js";
import { Transport, type TransportOptions } from "./transport.js";
import type { AppRouter } from "./types.js";

export type MarketplaceClientOptions = TransportOptions;

/** Every procedure (`client.agents.list.query(...)`) plus the helpers, on one object. */
export type MarketplaceClient = TRPCClient<AppRouter> & MarketplaceHelpers;

/**
 * A client of the marketplace: the typed tRPC procedures (batched over HTTP, retried like every
 * call, errors as MarketplaceError) and the REST helpers. Works in Node 20+, Bun, Deno and browsers.
 */
export function createMarketplaceClient(options: MarketplaceClientOptions): MarketplaceClient {
  const transport = new Transport(options);
  return combine(createTrpc(transport), createHelpers(transport, createTrpc(transport)));
}

export function createTrpc(transport: Transport): TRPCClient<AppRouter> {
  const client = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${transport.baseUrl}/trpc`, fetch: transport.fetch, headers: () => transport.authHeaders() })],
  });
  return withMarketplaceErrors(client);
}

/** The helpers first, then the router's namespaces. */
export function combine<H extends object>(trpc: TRPCClient<AppRouter>, helpers: H): TRPCClient<AppRouter> & H {
  return new Proxy(helpers, {
    get(target, key, receiver) {
      if (key in target) return Reflect.get(target, key, receiver);
      // Not a thenable: `await client` or returning it from an async function must not call the router.
      if (key === "then") return undefined;
      return (trpc as unknown as Record<PropertyKey, unknown>)[key];
    },
  }) as TRPCClient<AppRouter> & H;
}

/** tRPC rejects with TRPCClientError; every `.query()` and `.mutate()` here rejects with MarketplaceError instead. */
function withMarketplaceErrors<T>(node: T): T {
  return new Proxy(node as object, {
    get(target, key) {
      const value = (target as Record<PropertyKey, unknown>)[key];
      if (typeof key === "symbol" || key === "then") return value;
      if (key === "query" || key === "mutate") {
        const call = value as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) =>
          call(...args).catch((error: unknown) => {
            throw errorFromTrpc(error);
          });
      }
      return withMarketplaceErrors(value);
    },
  }) as T;
}
