import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../app.ts";
import type { Runtime } from "../runtime.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { makeAgent, makeUser } from "../testing/factories.ts";
import { createTestRuntime } from "../testing/harness.ts";
import { closedPort, waitFor } from "../testing/redis-test-support.ts";

/**
 * The answer cache on a Redis of its own (a private redis-server), stopped in the middle: reads
 * keep answering, uncached and right, and /health says degraded. Before that, Redis refuses the
 * invalidation of a write (an ACL takes INCR away) while still serving reads: the answers it
 * still holds must not come back.
 */
describe("answer cache while Redis fails", () => {
  let port = 0;
  let dir = "";
  let rt: Runtime;
  let fetchApp: (request: Request) => Promise<Response>;
  const fixture = { slug: "", token: "" };
  const cli = (...args: string[]) => Bun.spawnSync(["redis-cli", "-p", String(port), ...args]);
  const get = (path: string, headers: Record<string, string> = {}) => fetchApp(new Request(`http://localhost${path}`, { headers }));
  const starsOf = async (slug: string) => ((await (await get(`/api/v1/agents/${slug}`)).json()) as { stars: number }).stars;

  beforeAll(async () => {
    port = await closedPort();
    dir = await mkdtemp(join(tmpdir(), "am-redis-outage-"));
    const started = Bun.spawnSync([
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "yes",
      "--dir",
      dir,
      "--pidfile",
      join(dir, "redis.pid"),
    ]);
    expect(started.exitCode).toBe(0);
    await waitFor("private redis-server", () => cli("ping").stdout.toString().includes("PONG"), { timeoutMs: 5_000 });
    rt = await createTestRuntime("services", { REDIS_URL: `redis://127.0.0.1:${port}` });
    fetchApp = createApp(rt).fetch;
    const user = await makeUser(rt.db.db);
    fixture.token = (await sessionFor(rt, user)).access_token;
    fixture.slug = (await makeAgent(rt.db.db, user.id, { name: "Outage Probe", description: "An agent read while Redis fails" })).slug;
  }, 60_000);

  afterAll(async () => {
    cli("shutdown", "nosave");
    await rt?.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  test("a write whose invalidation Redis refused never brings back the answers Redis still holds", async () => {
    expect(await starsOf(fixture.slug)).toBe(0);
    expect((await get("/health").then((r) => r.json())) as { status: string }).toMatchObject({ status: "healthy", redis: "ok" });
    // Redis keeps answering reads (and still holds the answer with 0 stars) but refuses the bump.
    expect(cli("acl", "setuser", "default", "-incr").stdout.toString()).toContain("OK");
    const star = await fetchApp(new Request(`http://localhost/api/v1/agents/${fixture.slug}/star`, { method: "POST", headers: bearer(fixture.token) }));
    expect(star.status).toBe(204);
    expect(await starsOf(fixture.slug)).toBe(1);
    cli("acl", "setuser", "default", "+incr");
    expect(await starsOf(fixture.slug)).toBe(1);
  }, 30_000);

  test("Redis stopped: reads keep answering, writes still land, /health says degraded", async () => {
    const search = `/api/v1/search/agents?q=${encodeURIComponent("outage probe")}`;
    expect((await get(search)).status).toBe(200);
    const pid = Number((await readFile(join(dir, "redis.pid"), "utf8")).trim());
    process.kill(pid, "SIGKILL");
    await waitFor("redis to be gone", () => !cli("ping").stdout.toString().includes("PONG"), { timeoutMs: 5_000 });

    for (let i = 0; i < 3; i++) {
      const res = await get(search);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { items: { slug: string }[] }).items.map((a) => a.slug)).toEqual([fixture.slug]);
    }
    const unstar = await fetchApp(new Request(`http://localhost/api/v1/agents/${fixture.slug}/star`, { method: "DELETE", headers: bearer(fixture.token) }));
    expect(unstar.status).toBe(204);
    expect(await starsOf(fixture.slug)).toBe(0);
    expect((await get("/api/v1/stats")).status).toBe(200);

    const health = await get("/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "degraded", redis: "down", database: "ok" });
  }, 30_000);
});
