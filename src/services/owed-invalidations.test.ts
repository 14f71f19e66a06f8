import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createApp } from "../app.ts";
import { envWith } from "../env.ts";
import { connectPostgres } from "../lib/db/db.ts";
import { createRuntime, type Runtime } from "../runtime.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { createPostgresTestDatabase } from "../testing/databases.ts";
import { makeAgent, makeUser } from "../testing/factories.ts";
import { type PrivateRedis, startPrivateRedis } from "../testing/private-services.ts";
import { waitFor } from "../testing/redis-test-support.ts";

/**
 * Two API instances (A writes, B reads) on one PostgreSQL and a Redis of this test's own with
 * persistence on: a write whose invalidation never reached Redis must not let B serve the answer
 * from before it, once Redis is back with its old entries (it used to for 73 s and more), or when
 * only A cannot write to Redis (B repairs the owed bump within the poll interval).
 */
describe("owed cache invalidations across instances", () => {
  let redis: PrivateRedis;
  const rts: Runtime[] = [];
  const fetchOf: ((request: Request) => Promise<Response>)[] = [];
  const fixture = { token: "", slug: "" };

  const starsOn = async (instance: number) => {
    const res = await fetchOf[instance]!(new Request(`http://localhost/api/v1/agents/${fixture.slug}`));
    return ((await res.json()) as { stars: number }).stars;
  };
  const star = (instance: number, method: "POST" | "DELETE") =>
    fetchOf[instance]!(new Request(`http://localhost/api/v1/agents/${fixture.slug}/star`, { method, headers: bearer(fixture.token) }));

  // ACL users are configuration, not data: a restarted Redis needs A's user again.
  const addWriterA = () => redis.cli("acl", "setuser", "writer-a", "on", "nopass", "~*", "+@all");

  beforeAll(async () => {
    redis = await startPrivateRedis({ persistent: true });
    const { handle, url } = await createPostgresTestDatabase();
    addWriterA();
    for (const [i, redisUrl] of [`redis://writer-a@127.0.0.1:${redis.port}`, redis.url].entries()) {
      const env = envWith({
        NODE_ENV: "test",
        LOG_LEVEL: "silent",
        DATA_DIR: redis.dir,
        SIGNING_SECRET: "s".repeat(40),
        DATABASE_URL: url,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: "owed:",
        RATE_LIMIT_ENABLED: "false",
      });
      const rt = await createRuntime(env, { db: i === 0 ? handle : connectPostgres(url, 4), migrate: false });
      rts.push(rt);
      fetchOf.push(createApp(rt).fetch);
    }
    const user = await makeUser(rts[0]!.db.db);
    fixture.token = (await sessionFor(rts[0]!, user)).access_token;
    fixture.slug = (await makeAgent(rts[0]!.db.db, user.id, { name: "Owed Probe" })).slug;
  }, 60_000);

  afterAll(async () => {
    for (const rt of rts) await rt.close().catch(() => undefined);
    await redis?.destroy();
  }, 60_000);

  test("a write made while a persistent Redis was down is never answered stale after it comes back", async () => {
    expect(await starsOn(1)).toBe(0);
    expect(await starsOn(1)).toBe(0); // now cached, and saved with Redis' append-only file
    await redis.shutdown();
    expect((await star(0, "POST")).status).toBe(204);
    await redis.start();
    addWriterA();
    // The answer from before the write is back, under the generation Redis saved.
    expect(redis.cli("keys", "owed:cache:*").split("\n").filter(Boolean).length).toBeGreaterThan(0);
    // From the moment Redis is back, through both instances reconnecting, B never answers 0.
    const seen: number[] = [];
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      seen.push(await starsOn(1));
      await Bun.sleep(25);
    }
    expect(rts.every((rt) => rt.redis?.status === "ready")).toBe(true);
    expect(seen.filter((s) => s !== 1)).toEqual([]);
    // The cache is in use again (B's second read of a fresh key is a hit, and still right).
    expect(await starsOn(1)).toBe(1);
  }, 60_000);

  test("a bump only A could not deliver is repaired by B within the poll interval, and cleared", async () => {
    expect(await starsOn(1)).toBe(1);
    expect(await starsOn(1)).toBe(1); // cached on B
    // A (and only A) may no longer write the generation: a partition between A and Redis.
    redis.cli("acl", "setuser", "writer-a", "-incr");
    expect((await star(0, "DELETE")).status).toBe(204);
    expect(await rts[0]!.db.db.query.owedInvalidations.findFirst()).toMatchObject({ name: "catalog" });
    await waitFor("B to answer the write", async () => (await starsOn(1)) === 0, { timeoutMs: 3_000, intervalMs: 50 });
    for (let i = 0; i < 20; i++) expect(await starsOn(1)).toBe(0);
    redis.cli("acl", "setuser", "writer-a", "+incr");
    await waitFor("the owing to be settled", async () => (await rts[0]!.db.db.query.owedInvalidations.findFirst()) === undefined, {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    expect(await starsOn(0)).toBe(0);
  }, 60_000);
});
