import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../app.ts";
import { TEST_MODES, useTestApp } from "../testing/harness.ts";

let ipSeq = 0;
const freshIp = () => ({ "x-forwarded-for": `10.8.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}` });
const batchOf = (n: number) => `/trpc/${Array(n).fill("categories.list").join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`;

for (const mode of TEST_MODES) {
  describe(`request limits [${mode}]`, () => {
    const t = useTestApp(mode, { TRUST_PROXY: "true", RATE_LIMIT_ANON_PER_HOUR: "10" });

    test("/trpc refuses a JSON body over 1 MiB with the contract's 413, as REST does", async () => {
      const body = JSON.stringify({ refresh_token: "x".repeat(2 * 1024 * 1024) });
      for (const path of ["/trpc/auth.refresh", "/api/v1/auth/refresh"]) {
        const res = await t.fetch(path, { method: "POST", headers: { "content-type": "application/json", ...freshIp() }, body });
        expect({ path, status: res.status, body: await res.json() }).toEqual({
          path,
          status: 413,
          body: { error: "payload_too_large", detail: "Request body exceeds 1048576 bytes" },
        });
      }
      // Streamed without a declared length, the cap holds too.
      const stream = new Blob([body]).stream();
      const res = await t.fetch("/trpc/auth.refresh", { method: "POST", headers: { "content-type": "application/json", ...freshIp() }, body: stream });
      expect(res.status).toBe(413);
    });

    test("a tRPC batch costs one hit per call, and more than 20 calls is refused", async () => {
      const ip = freshIp();
      const first = await t.fetch(batchOf(6), { headers: ip });
      expect(first.status).toBe(200);
      expect(first.headers.get("x-ratelimit-remaining")).toBe("4");
      const over = await t.fetch(batchOf(5), { headers: ip });
      expect(over.status).toBe(429);
      const big = await t.fetch(batchOf(21), { headers: freshIp() });
      expect(big.status).toBe(400);
      expect(await big.json()).toEqual({ error: "bad_request", detail: "A tRPC batch may hold at most 20 calls; this one has 21" });
    });

    test("a URL over 8 KiB gets the contract's JSON error, 414", async () => {
      const res = await t.fetch(`/api/v1/search/agents?q=${"a".repeat(9000)}`, { headers: freshIp() });
      expect(res.status).toBe(414);
      expect(await res.json()).toEqual({ error: "uri_too_long", detail: expect.stringContaining("at most 8192 are accepted") });
    });

    test("HEAD runs the GET: same status and headers, no body", async () => {
      for (const path of ["/api/v1/categories", "/api/v1/agents?limit=2", "/api/v1/agents/no-such-agent", "/api/v1/search/agents?q=agent"]) {
        const get = await t.fetch(path, { headers: freshIp() });
        const text = await get.text();
        const head = await t.fetch(path, { method: "HEAD", headers: freshIp() });
        expect({ path, status: head.status, body: await head.text() }).toEqual({ path, status: get.status, body: "" });
        expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
        expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
        expect(head.headers.get("etag")).toBe(get.headers.get("etag"));
      }
    });
  });
}

describe("request limits over a real socket", () => {
  const t = useTestApp("embedded");
  let server: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    const { fetch } = createApp(t.rt);
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, srv) => fetch(request, srv) });
  });
  afterAll(() => server.stop(true));

  test("8 KiB to 16 KiB: our JSON 414; past Bun's 16 KiB header limit Bun answers an empty 431 itself (cannot be intercepted)", async () => {
    const ours = await fetch(`http://127.0.0.1:${server.port}/api/v1/agents?x=${"a".repeat(12_000)}`);
    expect(ours.status).toBe(414);
    expect(((await ours.json()) as { error: string }).error).toBe("uri_too_long");
    const bun = await fetch(`http://127.0.0.1:${server.port}/api/v1/agents?x=${"a".repeat(20_000)}`);
    expect({ status: bun.status, body: await bun.text() }).toEqual({ status: 431, body: "" });
  });

  test("HEAD over the socket: no body, the GET's length", async () => {
    const get = await fetch(`http://127.0.0.1:${server.port}/api/v1/categories`);
    const text = await get.text();
    const head = await fetch(`http://127.0.0.1:${server.port}/api/v1/categories`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
  });
});
