import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
// Only types cross from the server: this import is erased at build time.
import type { AppRouter } from "../routers/_app.ts";

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export interface MarketplaceClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** A session access token or a personal API token. */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  fetch?: typeof globalThis.fetch;
  headers?: Record<string, string>;
}

/** A typed client of the marketplace's tRPC API (batched over HTTP). */
export function createMarketplaceClient(options: MarketplaceClientOptions) {
  const base = options.url.replace(/\/+$/, "");
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/trpc`,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        async headers() {
          const token = typeof options.token === "function" ? await options.token() : options.token;
          return { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
        },
      }),
    ],
  });
}

export type MarketplaceClient = ReturnType<typeof createMarketplaceClient>;
