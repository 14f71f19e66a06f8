import { describe, expect, test } from "bun:test";
import { apiTokenFor, bearer, sessionFor } from "../testing/auth.ts";
import { makeUser } from "../testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../testing/harness.ts";

let ipSeq = 0;
/** Each test speaks from its own address (TRUST_PROXY is on), so the windows do not mix. */
const freshIp = () => ({ "x-forwarded-for": `10.9.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}` });

for (const mode of TEST_MODES) {
  describe(`rate limits [${mode}]`, () => {
    const t = useTestApp(mode, {
      TRUST_PROXY: "true",
      RATE_LIMIT_ANON_PER_HOUR: "5",
      RATE_LIMIT_USER_PER_HOUR: "7",
      RATE_LIMIT_AUTH_PER_MINUTE: "3",
    });

    test("every /api/v1 answer carries X-RateLimit-*; anonymous callers get 429 with Retry-After past the hourly limit", async () => {
      const ip = freshIp();
      const remaining: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.fetch(i % 2 ? "/api/v1/categories" : "/api/v1/nope", { headers: ip });
        expect(res.headers.get("x-ratelimit-limit")).toBe("5");
        remaining.push(res.headers.get("x-ratelimit-remaining") ?? "");
        const reset = Number(res.headers.get("x-ratelimit-reset"));
        expect(reset).toBeGreaterThan(Date.now() / 1000 + 3500);
        expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
      }
      expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
      const denied = await t.fetch("/api/v1/categories", { headers: ip });
      expect(denied.status).toBe(429);
      expect(Number(denied.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(denied.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(await denied.json()).toEqual({ error: "rate_limited", detail: "Rate limit exceeded" });
      expect((await t.fetch("/api/v1/categories", { headers: freshIp() })).status).toBe(200);
      expect((await t.fetch("/health", { headers: ip })).headers.get("x-ratelimit-limit")).toBeNull();
    });

    test("the API reference (/docs, its assets and the OpenAPI document) is never charged to the anonymous limit", async () => {
      const ip = freshIp();
      for (let i = 0; i < 8; i++) {
        for (const path of ["/docs", "/api/v1/openapi.json", "/openapi.json"]) {
          const res = await t.fetch(path, { headers: ip });
          expect([path, res.status]).toEqual([path, 200]);
          expect(res.headers.get("x-ratelimit-remaining")).toBeNull();
        }
      }
      const first = await t.fetch("/api/v1/categories", { headers: ip });
      expect(first.headers.get("x-ratelimit-remaining")).toBe("4");
    });

    test("a user has one window across all their tokens, whatever IP they call from", async () => {
      const user = await makeUser(t.rt.db.db);
      const session = await sessionFor(t.rt, user);
      const token = await apiTokenFor(t.rt, user, ["read"]);
      const limits: string[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await t.fetch("/api/v1/auth/me", { headers: { ...bearer(i % 2 ? token : session.access_token), ...freshIp() } });
        expect(res.status).toBe(200);
        limits.push(`${res.headers.get("x-ratelimit-limit")}/${res.headers.get("x-ratelimit-remaining")}`);
      }
      expect(limits.at(0)).toBe("7/6");
      expect(limits.at(-1)).toBe("7/0");
      expect((await t.fetch("/api/v1/auth/me", { headers: { ...bearer(token), ...freshIp() } })).status).toBe(429);
    });

    test("POST /auth/* is limited per IP per minute, on REST and tRPC alike", async () => {
      const ip = freshIp();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.fetch("/api/v1/auth/refresh", jsonInit("POST", { refresh_token: "bad" }, ip))).status);
      expect(statuses).toEqual([401, 401, 401]);
      const denied = await t.fetch("/api/v1/auth/github", jsonInit("POST", { code: "x" }, ip));
      expect(denied.status).toBe(429);
      const retryAfter = Number(denied.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(((await denied.json()) as { error: string }).error).toBe("rate_limited");

      const rpc = await t.fetch("/trpc/auth.refresh", jsonInit("POST", { refresh_token: "bad" }, ip));
      expect(rpc.status).toBe(429);
      expect((await t.fetch("/api/v1/auth/refresh", jsonInit("POST", { refresh_token: "bad" }, freshIp()))).status).toBe(401);
    });
  });

  describe(`rate limits switched off [${mode}]`, () => {
    const t = useTestApp(mode, { RATE_LIMIT_ENABLED: "false", RATE_LIMIT_ANON_PER_HOUR: "1", RATE_LIMIT_AUTH_PER_MINUTE: "1" });

    test("RATE_LIMIT_ENABLED=false: no headers and no 429", async () => {
      for (let i = 0; i < 3; i++) {
        const res = await t.fetch("/api/v1/categories");
        expect(res.status).toBe(200);
        expect(res.headers.get("x-ratelimit-limit")).toBeNull();
        expect((await t.fetch("/api/v1/auth/refresh", jsonInit("POST", { refresh_token: "bad" }))).status).toBe(401);
      }
    });
  });
}
