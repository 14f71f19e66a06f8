import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createApp } from "../../src/app.ts";
import type { Runtime } from "../../src/runtime.ts";
import { apiTokenFor } from "../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { createTestRuntime } from "../../src/testing/harness.ts";
import { createMarketplaceClient, isMarketplaceError, type MarketplaceError, type RouterOutputs } from "./index.ts";

type Server = ReturnType<typeof Bun.serve>;

function serve(rt: Runtime): Server {
  const { fetch } = createApp(rt);
  return Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, srv) => fetch(request, srv) });
}

describe("typed client against a running server", () => {
  let rt: Runtime;
  let server: Server;
  const seen: { method: string; url: string; auth: string | null }[] = [];

  beforeAll(async () => {
    rt = await createTestRuntime("services");
    server = serve(rt);
  }, 60_000);
  afterAll(async () => {
    await server?.stop(true);
    await rt?.close();
  });

  const client = (token?: string | (() => string | undefined)) =>
    createMarketplaceClient({
      url: `http://127.0.0.1:${server.port}/`,
      token,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        seen.push({ method: request.method, url: request.url, auth: request.headers.get("authorization") });
        return fetch(request);
      },
    });

  test("reads categories over real HTTP, batching calls made together", async () => {
    await makeCategory(rt.db.db, { name: "Client Test", slug: "client-test" });
    seen.length = 0;
    const c = client();
    const [list, one] = await Promise.all([c.categories.list.query(), c.categories.get.query({ slug: "client-test" })]);
    const typed: RouterOutputs["categories"]["get"] = one;
    expect(typed).toMatchObject({ name: "Client Test", slug: "client-test", agent_count: 0 });
    expect(list.categories.map((c) => c.slug)).toContain("client-test");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toContain("/trpc/categories.list,categories.get");
  });

  test("tRPC errors are MarketplaceErrors with the contract's code, detail and the request id", async () => {
    const error = await client()
      .categories.get.query({ slug: "missing" })
      .catch((e: unknown) => e);
    expect(isMarketplaceError(error)).toBe(true);
    expect(error).toMatchObject({ status: 404, code: "not_found", detail: "Category 'missing' not found", message: "Category 'missing' not found" });
    expect((error as MarketplaceError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    const anon = await client()
      .categories.create.mutate({ name: "X", slug: "x" })
      .catch((e: unknown) => e);
    expect(anon).toMatchObject({ status: 401, code: "unauthorized" });
    const invalid = (await client()
      .categories.get.query({ slug: "" })
      .catch((e: unknown) => e)) as MarketplaceError;
    expect(invalid).toMatchObject({ status: 422, code: "validation_error" });
    expect(invalid.fieldErrors).toEqual([expect.objectContaining({ loc: ["query", "slug"] })]);
  });

  test("a token function is asked before every request, so a refreshed token is used at once", async () => {
    const user = await makeUser(rt.db.db);
    const tokens = [await apiTokenFor(rt, user, ["read"]), await apiTokenFor(rt, user, ["read"])];
    let current = 0;
    const c = client(() => tokens[current]);
    seen.length = 0;
    expect((await c.auth.me.query()).username).toBe(user.username);
    current = 1;
    expect((await c.auth.me.query()).username).toBe(user.username);
    expect(seen.map((s) => s.auth)).toEqual([`Bearer ${tokens[0]}`, `Bearer ${tokens[1]}`]);
  });

  test("an aborted signal stops a call and rejects with its reason", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user went away"));
    const c = client();
    await expect(c.agents.list.query({}, { signal: controller.signal })).rejects.toThrow();
    await expect(c.download("anything", { signal: controller.signal })).rejects.toThrow("user went away");
    await expect(c.waitForValidation("a", "1.0.0", { signal: controller.signal })).rejects.toThrow();
  });

  test("the package's sources import only their own files, @trpc/client, node: built-ins and the zip and ignore libraries", async () => {
    const dir = new URL(".", import.meta.url).pathname;
    const sources = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    const imports = new Set<string>();
    for (const file of sources) {
      const text = await readFile(join(dir, file), "utf8");
      for (const m of text.matchAll(/^(?:import|export) (?!type )[^;]*? from "([^"]+)"/gm)) imports.add(m[1]!.startsWith(".") ? "(relative)" : m[1]!);
    }
    const packages = [...imports].filter((i) => i !== "(relative)" && !i.startsWith("node:")).sort();
    expect(packages).toEqual(["@trpc/client", "ignore", "yauzl", "yazl"]);
    // The server is reached by one type-only file, which the build replaces.
    const reaching = new Set<string>();
    for (const file of sources) {
      const text = await readFile(join(dir, file), "utf8");
      for (const m of text.matchAll(/ from "(\.[^"]+)"/g)) if (!resolve(dir, dirname(file), m[1]!).startsWith(dir)) reaching.add(file);
    }
    expect([...reaching]).toEqual(["router.ts"]);
  });
});

describe("retries", () => {
  let rt: Runtime;
  let server: Server;
  beforeAll(async () => {
    rt = await createTestRuntime("services", { RATE_LIMIT_ANON_PER_HOUR: "2" });
    server = serve(rt);
  }, 60_000);
  afterAll(async () => {
    await server?.stop(true);
    await rt?.close();
  });

  /** A gateway in front of the server that fails the first `failures` requests the way a proxy does. */
  function flaky(failures: number, answer: () => Response | "drop") {
    let count = 0;
    const calls: string[] = [];
    const fetchLike = async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      calls.push(request.method);
      if (count++ < failures) {
        const failure = answer();
        if (failure === "drop") throw new TypeError("fetch failed: socket hang up");
        return failure;
      }
      return fetch(request);
    };
    return { calls, fetchLike };
  }
  const url = () => `http://127.0.0.1:${server.port}`;
  const unavailable = (retryAfter?: string) =>
    new Response(JSON.stringify({ error: "service_unavailable", detail: "Database unavailable" }), {
      status: 503,
      headers: { "content-type": "application/json", ...(retryAfter ? { "retry-after": retryAfter } : {}) },
    });

  test("a query is retried after 503s and dropped connections, honouring Retry-After", async () => {
    const gateway = flaky(3, () => (gateway.calls.length === 2 ? "drop" : unavailable("1")));
    const c = createMarketplaceClient({ url: url(), fetch: gateway.fetchLike, token: "x", retry: { baseDelayMs: 1 } });
    const started = performance.now();
    const list = await c.agents.list.query({ limit: 1 }).catch((e: unknown) => e);
    // Token "x" does not authenticate, so the server answers 401 after the gateway's three failures.
    expect(list).toMatchObject({ status: 401, code: "unauthorized" });
    expect(gateway.calls).toEqual(["GET", "GET", "GET", "GET"]);
    // Two Retry-After: 1 waits (the drop waits a jittered backoff of at most 4 ms).
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
  });

  test("a mutation is not retried after a 503 or a dropped connection: it may have been applied", async () => {
    const gateway = flaky(1, () => unavailable("0"));
    const c = createMarketplaceClient({ url: url(), fetch: gateway.fetchLike });
    const error = (await c.categories.create.mutate({ name: "Y", slug: "y" }).catch((e: unknown) => e)) as MarketplaceError;
    expect(error).toMatchObject({ status: 503, code: "service_unavailable", detail: "Database unavailable" });
    expect(gateway.calls).toEqual(["POST"]);
    const dropped = flaky(1, () => "drop");
    const d = createMarketplaceClient({ url: url(), fetch: dropped.fetchLike });
    const network = (await d.categories.create.mutate({ name: "Y", slug: "y" }).catch((e: unknown) => e)) as MarketplaceError;
    expect(network).toMatchObject({ status: 0, code: "network_error" });
    expect(dropped.calls).toEqual(["POST"]);
  });

  test("the server's own 429 becomes a MarketplaceError once its Retry-After is longer than the client waits", async () => {
    const c = createMarketplaceClient({ url: url(), retry: { maxDelayMs: 2_000 } });
    // The earlier tests of this block spent some of the two anonymous requests an hour.
    let error: unknown;
    for (let i = 0; i < 3 && !error; i++)
      error = await c.categories.list.query().then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect((error as MarketplaceError).retryAfterSeconds).toBeGreaterThan(2);
    const rest = (await c.download("whatever").catch((e: unknown) => e)) as MarketplaceError;
    expect(rest).toMatchObject({ status: 429, code: "rate_limited" });
    expect(rest.requestId).toMatch(/.+/);
  });

  test("with no server at all: a network_error after the retries", async () => {
    const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const closed = `http://127.0.0.1:${probe.port}`;
    await probe.stop(true);
    const c = createMarketplaceClient({ url: closed, retry: { retries: 2, baseDelayMs: 1 } });
    const error = (await c.categories.list.query().catch((e: unknown) => e)) as MarketplaceError;
    expect(error).toMatchObject({ status: 0, code: "network_error" });
  });
});
