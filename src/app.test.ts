import { describe, expect, test } from "bun:test";
import { TEST_MODES, useTestApp } from "./testing/harness.ts";

for (const mode of TEST_MODES) {
  describe(`http host [${mode}]`, () => {
    const t = useTestApp(mode, { CORS_ORIGINS: "http://localhost:3000,https://app.example.com" });

    test("/ names the service and its version", async () => {
      const res = await t.fetch("/");
      expect(await res.json()).toEqual({ name: "Agent Marketplace API", version: expect.any(String), docs: "/docs" });
    });

    test("/health reports each dependency and which implementation is in use", async () => {
      const res = await t.fetch("/health");
      expect(res.status).toBe(200);
      const expected =
        mode === "embedded"
          ? { database: "embedded", redis: "embedded", storage: "embedded", queue: "embedded" }
          : { database: "ok", redis: "ok", storage: "ok", queue: "ok" };
      expect(await res.json()).toMatchObject({ status: "healthy", environment: "test", ...expected });
    });

    test("every response carries a request id; a sane incoming one is kept", async () => {
      const res = await t.fetch("/api/v1/categories");
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const traced = await t.fetch("/", { headers: { "x-request-id": "trace-abc-123456" } });
      expect(traced.headers.get("x-request-id")).toBe("trace-abc-123456");
      const hostile = await t.fetch("/", { headers: { "x-request-id": "<script>" } });
      expect(hostile.headers.get("x-request-id")).not.toBe("<script>");
    });

    test("unknown routes are 404 and wrong methods 405 with Allow, in the contract's body", async () => {
      const missing = await t.fetch("/api/v1/no-such-route");
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: "not_found", detail: "Not Found" });
      const outside = await t.fetch("/nothing/here");
      expect(await outside.json()).toEqual({ error: "not_found", detail: "Not Found" });

      const wrong = await t.fetch("/api/v1/categories", { method: "DELETE" });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get("allow")).toBe("GET");
      expect(await wrong.json()).toEqual({ error: "method_not_allowed", detail: "Method Not Allowed" });
      const native = await t.fetch("/health", { method: "POST" });
      expect(native.status).toBe(405);
      expect(native.headers.get("allow")).toContain("GET");
    });

    test("malformed JSON is a 400 bad_request", async () => {
      const res = await t.fetch("/api/v1/admin/categories", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe("bad_request");
    });

    test("a JSON body over 1 MiB is refused with 413 before it is parsed", async () => {
      const res = await t.fetch("/api/v1/admin/categories", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) }),
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toBe("payload_too_large");
    });

    test("CORS: listed origins get credentials; others get nothing; preflight answers 204", async () => {
      const allowed = await t.fetch("/api/v1/categories", { headers: { origin: "https://app.example.com" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
      const other = await t.fetch("/api/v1/categories", { headers: { origin: "https://evil.example.com" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();

      const preflight = await t.fetch("/api/v1/admin/categories", {
        method: "OPTIONS",
        headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-methods")).toBe("POST");
      expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization, content-type");
      expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    });

    test("OpenAPI 3.1 document at both paths lists the categories routes with their success codes", async () => {
      const doc = (await (await t.fetch("/api/v1/openapi.json")).json()) as {
        openapi: string;
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      };
      expect(doc.openapi).toBe("3.1.0");
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/categories", "/categories/{slug}", "/admin/categories", "/admin/categories/{slug}"]));
      expect(Object.keys(doc.paths["/admin/categories"]!.post!.responses)).toContain("201");
      expect(Object.keys(doc.paths["/admin/categories/{slug}"]!.delete!.responses)).toContain("204");
      const again = await (await t.fetch("/openapi.json")).json();
      expect(again).toEqual(doc);
    });

    test("/docs is an HTML page whose script and stylesheet are served locally", async () => {
      const page = await t.fetch("/docs");
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) {
        expect(asset.startsWith("/docs/assets/")).toBe(true);
        const res = await t.fetch(asset);
        expect(res.status).toBe(200);
        expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
      }
    });

    test("/metrics exposes HTTP series labelled by route template, never the raw path", async () => {
      await t.fetch("/api/v1/categories/some-slug-that-is-unique-123");
      const text = await (await t.fetch("/metrics")).text();
      expect(text).toContain('http_requests_total{method="GET",route="/api/v1/categories/{slug}",status="404"}');
      expect(text).toContain("http_request_duration_seconds_bucket");
      expect(text).toContain("trpc_procedure_duration_seconds_bucket");
      expect(text).toContain("process_cpu_user_seconds_total");
      expect(text).not.toContain("some-slug-that-is-unique-123");
    });
  });
}

describe("worker role surface", () => {
  test("serves /health and /metrics only", async () => {
    const { createTestRuntime } = await import("./testing/harness.ts");
    const { createApp } = await import("./app.ts");
    const rt = await createTestRuntime("embedded");
    try {
      const { fetch } = createApp(rt, { api: false });
      expect((await fetch(new Request("http://localhost/health"))).status).toBe(200);
      expect((await fetch(new Request("http://localhost/metrics"))).status).toBe(200);
      expect((await fetch(new Request("http://localhost/api/v1/categories"))).status).toBe(404);
      expect((await fetch(new Request("http://localhost/docs"))).status).toBe(404);
    } finally {
      await rt.close();
    }
  }, 60_000);
});

describe("OpenAPI security", () => {
  test("public routes take an optional bearer; authed and admin routes require one", async () => {
    const { buildOpenApiDocument } = await import("./app.ts");
    const doc = buildOpenApiDocument() as unknown as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(doc.paths["/categories"]!.get!.security).toEqual([{}, { bearer: [] }]);
    expect(doc.paths["/admin/categories"]!.post!.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/auth/me"]!.get!.security).toEqual([{ bearer: [] }]);
  });
});

describe("405 across procedures and upload routes", () => {
  const t = useTestApp("embedded");
  test("Allow lists the methods of both kinds of route on one path", async () => {
    const login = await t.fetch("/api/v1/auth/github", { method: "PUT" });
    expect(login.status).toBe(405);
    expect(login.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "POST"]);
    const download = await t.fetch("/api/v1/agents/some-agent/download", { method: "DELETE" });
    expect(download.status).toBe(405);
    expect(download.headers.get("allow")).toBe("GET");
  });
});

describe("/health and the validation sandbox", () => {
  const t = useTestApp("embedded");

  test("no bubblewrap: sandbox unavailable with the reason, status degraded (still 200)", async () => {
    const real = t.rt.sandbox;
    t.rt.sandbox = async () => ({ state: "unavailable", reason: "bubblewrap (bwrap) is not installed" });
    try {
      const res = await t.fetch("/health");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "degraded", sandbox: "unavailable", sandbox_detail: "bubblewrap (bwrap) is not installed" });
      t.rt.sandbox = async () => ({ state: "limited", reason: "no writable cgroup v1 memory and pids controllers" });
      expect(await (await t.fetch("/health")).json()).toMatchObject({ status: "degraded", sandbox: "unavailable" });
    } finally {
      t.rt.sandbox = real;
    }
  });

  test("this host's sandbox is probed for real", async () => {
    const body = (await (await t.fetch("/health")).json()) as { sandbox: string };
    expect(body.sandbox).toBe((await t.rt.sandbox()).state === "ok" ? "ok" : "unavailable");
  });
});
