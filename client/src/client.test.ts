import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import type { Runtime } from "../../src/runtime.ts";
import { makeCategory } from "../../src/testing/factories.ts";
import { createTestRuntime } from "../../src/testing/harness.ts";
import { createMarketplaceClient, type RouterOutputs } from "./index.ts";

describe("typed client against a running server", () => {
  let rt: Runtime;
  let server: ReturnType<typeof Bun.serve>;
  const seen: string[] = [];

  beforeAll(async () => {
    rt = await createTestRuntime("services");
    const { fetch } = createApp(rt);
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, srv) => fetch(request, srv) });
  }, 60_000);
  afterAll(async () => {
    await server?.stop(true);
    await rt?.close();
  });

  const client = (token?: string) =>
    createMarketplaceClient({
      url: `http://127.0.0.1:${server.port}/`,
      token,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        seen.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      }) as typeof fetch,
    });

  test("reads categories over real HTTP, batching calls made together", async () => {
    await makeCategory(rt.db.db, { name: "Client Test", slug: "client-test" });
    seen.length = 0;
    const [list, one] = await Promise.all([client().categories.list.query(), client().categories.get.query({ slug: "client-test" })]);
    const typed: RouterOutputs["categories"]["get"] = one;
    expect(typed).toMatchObject({ name: "Client Test", slug: "client-test", agent_count: 0 });
    expect(list.categories.map((c) => c.slug)).toContain("client-test");
    expect(seen.every((url) => url.includes("/trpc/"))).toBe(true);
  });

  test("errors arrive as TRPCClientError with the contract's code and detail", async () => {
    const error = await client()
      .categories.get.query({ slug: "missing" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: "Category 'missing' not found", data: { error: "not_found", httpStatus: 404 } });
    const anon = await client()
      .categories.create.mutate({ name: "X", slug: "x" })
      .catch((e: unknown) => e);
    expect(anon).toMatchObject({ data: { error: "unauthorized", httpStatus: 401 } });
  });

  test("the package exports only the client; server code is referenced by type alone", async () => {
    const source = await Bun.file(new URL("./index.ts", import.meta.url)).text();
    const valueImports = [...source.matchAll(/^import (?!type )[^;]*from "([^"]+)"/gm)].map((m) => m[1]);
    expect(valueImports).toEqual(["@trpc/client"]);
  });
});
