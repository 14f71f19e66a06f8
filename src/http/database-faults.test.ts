import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import pino from "pino";
import { createApp } from "../app.ts";
import { envWith } from "../env.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { makeAgent, makeUser } from "../testing/factories.ts";
import { type PrivatePostgres, startPrivatePostgres } from "../testing/private-services.ts";
import { waitFor } from "../testing/redis-test-support.ts";

/**
 * A PostgreSQL of this test's own, restarted and hung under the API: the process lives on
 * (node-postgres emits 'error' on checked-out clients, which used to end it), requests answer
 * the contract's 503 with Retry-After while the database is gone, within the configured
 * timeouts when it hangs, and 200 again once it is back. Failures are logged once per outage,
 * with the request id of the first.
 */
describe("database restarted or hung under the API", () => {
  let pg: PrivatePostgres;
  let rt: Runtime;
  let dataDir = "";
  let fetchApp: (request: Request) => Promise<Response>;
  const logLines: Record<string, unknown>[] = [];
  const fixture = { token: "", slug: "" };
  const get = (path: string) => fetchApp(new Request(`http://localhost${path}`, { headers: bearer(fixture.token) }));

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    dataDir = await mkdtemp(join(tmpdir(), "am-db-faults-"));
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const env = envWith({
      NODE_ENV: "test",
      DATA_DIR: dataDir,
      SIGNING_SECRET: "s".repeat(40),
      DATABASE_URL: pg.url,
      DATABASE_STATEMENT_TIMEOUT_MS: "1000",
      DATABASE_CONNECT_TIMEOUT_MS: "1000",
      RATE_LIMIT_ENABLED: "false",
    });
    rt = await createRuntime(env, { logger: pino({ level: "warn" }, sink) });
    fetchApp = createApp(rt).fetch;
    const user = await makeUser(rt.db.db);
    fixture.token = (await sessionFor(rt, user)).access_token;
    fixture.slug = (await makeAgent(rt.db.db, user.id, { name: "Fault Probe" })).slug;
  }, 60_000);

  afterAll(async () => {
    await rt?.close().catch(() => undefined);
    pg?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  for (const mode of ["fast", "immediate"] as const) {
    test(`${mode} shutdown during open transactions: the process lives, 503 with Retry-After while down, 200 once back`, async () => {
      expect((await get("/api/v1/users/me")).status).toBe(200);
      // Transactions checked out of the pool when the server goes away: their clients emit 'error'.
      const inFlight = Array.from({ length: 3 }, () => rt.db.db.transaction((tx) => tx.execute(sql`select pg_sleep(5)`)).catch((err: unknown) => err));
      await Bun.sleep(200);
      pg.stop(mode);
      const failures = await Promise.all(inFlight);
      expect(failures.every((f) => f instanceof Error)).toBe(true);

      logLines.length = 0;
      for (let i = 0; i < 5; i++) {
        const res = await get("/api/v1/users/me");
        expect(res.status).toBe(503);
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        const body = (await res.json()) as { error: string; request_id: string };
        expect(body.error).toBe("service_unavailable");
        expect(body.request_id).toBe(res.headers.get("x-request-id") ?? "");
        if (i === 0) {
          // The context (the caller's session) could not be built: logged with this request's id.
          expect(logLines.some((l) => l.request_id === body.request_id)).toBe(true);
        }
      }
      const write = await fetchApp(new Request(`http://localhost/api/v1/agents/${fixture.slug}/star`, { method: "POST", headers: bearer(fixture.token) }));
      expect(write.status).toBe(503);
      const scraped = await (await fetchApp(new Request("http://localhost/metrics"))).text();
      expect(scraped).toMatch(/^dependency_errors_total\{dependency="database"\} [1-9]/m);
      // One warning for the outage, not one per request.
      expect(logLines.filter((l) => l.level === 40 && l.warning === "dependency-fault:database").length).toBe(1);

      await pg.start();
      await waitFor("the API to answer again", async () => (await get("/api/v1/users/me")).status === 200, { timeoutMs: 15_000, intervalMs: 100 });
    }, 60_000);
  }

  test("hung database: 503 within the configured timeouts instead of a hang", async () => {
    expect((await get("/api/v1/users/me")).status).toBe(200);
    pg.pause();
    try {
      const started = performance.now();
      const res = await get("/api/v1/users/me");
      const elapsed = performance.now() - started;
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).not.toBeNull();
      // Statement timeout 1 s (+2 s client margin) or connect timeout 1 s: well under Bun's idle cut-off.
      expect(elapsed).toBeLessThan(6_000);
    } finally {
      pg.resume();
    }
    await waitFor("the API to answer again", async () => (await get("/api/v1/users/me")).status === 200, { timeoutMs: 15_000, intervalMs: 100 });
  }, 60_000);
});
