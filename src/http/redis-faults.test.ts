import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import pino from "pino";
import { createApp } from "../app.ts";
import { envWith } from "../env.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { createPostgresTestDatabase } from "../testing/databases.ts";
import { makeAgent, makeUser } from "../testing/factories.ts";
import { type PrivateRedis, startPrivateRedis } from "../testing/private-services.ts";
import { waitFor } from "../testing/redis-test-support.ts";

/**
 * A Redis of this test's own, killed under load: reads and writes keep their answers (the cache,
 * rate limits and locks only accelerate or guard), and the outage is logged a few times, not
 * once per request (it used to be 1,133 lines in 8 s).
 */
describe("Redis killed under the API", () => {
  let redis: PrivateRedis;
  let rt: Runtime;
  let fetchApp: (request: Request) => Promise<Response>;
  const logLines: { level: number; msg: string }[] = [];
  const fixture = { token: "", slug: "" };
  const call = (path: string, method = "GET") => fetchApp(new Request(`http://localhost${path}`, { method, headers: bearer(fixture.token) }));

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const { handle, url } = await createPostgresTestDatabase();
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    const env = envWith({
      NODE_ENV: "test",
      DATA_DIR: redis.dir,
      SIGNING_SECRET: "s".repeat(40),
      DATABASE_URL: url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: "faults:",
    });
    rt = await createRuntime(env, { db: handle, migrate: false, logger: pino({ level: "info" }, sink) });
    fetchApp = createApp(rt).fetch;
    const user = await makeUser(rt.db.db);
    fixture.token = (await sessionFor(rt, user)).access_token;
    fixture.slug = (await makeAgent(rt.db.db, user.id, { name: "Redis Fault Probe" })).slug;
  }, 60_000);

  afterAll(async () => {
    await rt?.close().catch(() => undefined);
    await redis?.destroy();
  }, 60_000);

  test("200 on every read and 204 on writes while Redis is gone; a handful of log lines, not one per request", async () => {
    expect((await call(`/api/v1/agents/${fixture.slug}`)).status).toBe(200);
    await redis.kill();
    logLines.length = 0;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      statuses.push((await call(i % 2 ? `/api/v1/agents/${fixture.slug}` : "/api/v1/search/agents?q=probe")).status);
    }
    statuses.push((await call(`/api/v1/agents/${fixture.slug}/star`, "POST")).status);
    expect(statuses.filter((s) => s !== 200 && s !== 204)).toEqual([]);
    const warnings = logLines.filter((l) => l.level >= 40);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(5);

    await redis.start();
    await waitFor("redis to be used again", () => rt.redis?.status === "ready", { timeoutMs: 10_000, intervalMs: 50 });
    const detail = await call(`/api/v1/agents/${fixture.slug}`);
    expect(((await detail.json()) as { stars: number }).stars).toBe(1);
    expect(logLines.some((l) => l.msg === "redis connection ready again")).toBe(true);
  }, 60_000);
});
