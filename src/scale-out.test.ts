import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { validationResults } from "../db/schema/index.ts";
import { envWith, readTestEnv } from "./env.ts";
import { createRuntime, type Runtime } from "./runtime.ts";
import { bearer, sessionFor } from "./testing/auth.ts";
import { type ServerProcess, startServer } from "./testing/cluster.ts";
import { createPostgresTestDatabase } from "./testing/databases.ts";
import { makeCategory, makeUser } from "./testing/factories.ts";
import { deleteByPrefix, waitFor } from "./testing/redis-test-support.ts";
import { dropTestBucket } from "./testing/s3-buckets.ts";
import { goodNodeAgent, slowTestsNodeAgent } from "./testing/sample-agents.ts";
import { multipartInit, publishParts } from "./testing/uploads.ts";

/**
 * Scale-out as an operator runs it: two API processes and one worker process (src/main.ts) on one
 * PostgreSQL, Redis and S3 (Ceph RGW). A write through one API is read fresh through the other, a
 * validation enqueued through an API is run by the worker, and a worker killed with -9 in the
 * middle of a validation loses nothing: its replacement finishes the job (after the queue's
 * heartbeat expires) and sweeps the dead worker's work dir.
 * (That each schedule fires once per tick across instances: src/schedules-cluster.test.ts.)
 */
describe("2 API processes + 1 worker on one PostgreSQL, Redis and S3", () => {
  const testEnv = readTestEnv();
  const id = `scale-${process.pid}-${Date.now().toString(36)}`;
  const processes: ServerProcess[] = [];
  const dirs: string[] = [];
  let shared: Record<string, string> = {};
  let rt: Runtime;
  const fixture = { token: "", category: "" };
  let [api1, api2, worker] = [] as unknown as [ServerProcess, ServerProcess, ServerProcess];

  const start = async (role: "api" | "worker") => {
    const dataDir = await mkdtemp(join(tmpdir(), `am-${role}-`));
    dirs.push(dataDir);
    const server = await startServer(role, { ...shared, DATA_DIR: dataDir });
    processes.push(server);
    return server;
  };
  const call = (server: ServerProcess, path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);
  const versionStatus = async (server: ServerProcess, slug: string) =>
    ((await (await call(server, `/api/v1/agents/${slug}`, { headers: bearer(fixture.token) })).json()) as { validation_status: string }).validation_status;
  const publish = async (server: ServerProcess, name: string, code: Uint8Array) => {
    const res = await call(
      server,
      "/api/v1/agents",
      multipartInit("POST", publishParts({ category: fixture.category, name, version: "1.0.0", code }), bearer(fixture.token)),
    );
    expect(res.status).toBe(202);
    return (await res.json()) as { slug: string; versions: { id: number }[] };
  };

  beforeAll(async () => {
    const { handle, url } = await createPostgresTestDatabase();
    shared = {
      DATABASE_URL: url,
      REDIS_URL: testEnv.TEST_REDIS_URL,
      REDIS_PREFIX: `am-test:${id}:`,
      S3_ENDPOINT: testEnv.TEST_S3_ENDPOINT ?? "",
      S3_ACCESS_KEY: testEnv.TEST_S3_ACCESS_KEY ?? "",
      S3_SECRET_KEY: testEnv.TEST_S3_SECRET_KEY ?? "",
      S3_BUCKET: `am-${id}`.toLowerCase().slice(0, 63),
      S3_FORCE_PATH_STYLE: "true",
      SIGNING_SECRET: "s".repeat(40),
      RATE_LIMIT_ENABLED: "false",
      WORKER_CONCURRENCY: "2",
    };
    rt = await createRuntime(envWith({ ...shared, NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: await mkdtemp(join(tmpdir(), "am-fixtures-")) }), {
      db: handle,
      migrate: false,
    });
    dirs.push(rt.env.DATA_DIR);
    const user = await makeUser(rt.db.db);
    fixture.token = (await sessionFor(rt, user)).access_token;
    fixture.category = (await makeCategory(rt.db.db)).slug;
    [api1, api2, worker] = [await start("api"), await start("api"), await start("worker")];
  }, 120_000);

  afterAll(async () => {
    for (const server of processes) if (server.proc.exitCode === null) await server.stop();
    if (rt?.redis) await deleteByPrefix(rt.redis, shared.REDIS_PREFIX ?? "").catch(() => undefined);
    await rt?.close();
    if (rt) await dropTestBucket(rt.env);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  test("a write through one API is read fresh through the other", async () => {
    const { slug } = await publish(api1, "Scale Fresh Reads", goodNodeAgent());
    const stars = async () => ((await (await call(api2, `/api/v1/agents/${slug}`)).json()) as { stars: number }).stars;
    expect(await stars()).toBe(0);
    expect(await stars()).toBe(0); // cached on api2
    expect((await call(api1, `/api/v1/agents/${slug}/star`, { method: "POST", headers: bearer(fixture.token) })).status).toBe(204);
    expect(await stars()).toBe(1);
    expect((await call(api2, `/api/v1/agents/${slug}/star`, { method: "DELETE", headers: bearer(fixture.token) })).status).toBe(204);
    expect(((await (await call(api1, `/api/v1/agents/${slug}`)).json()) as { stars: number }).stars).toBe(0);
  }, 60_000);

  test("a validation enqueued through an API process is run by the worker", async () => {
    const { slug } = await publish(api2, "Scale Validated", goodNodeAgent());
    await waitFor("the worker to validate it", async () => (await versionStatus(api1, slug)) === "passed", { timeoutMs: 60_000, intervalMs: 200 });
    expect(worker.logs()).toContain('"msg":"validation finished"');
    expect(api1.logs() + api2.logs()).not.toContain('"msg":"validation finished"');
  }, 90_000);

  test("a worker killed with -9 mid-validation loses nothing; its replacement finishes once and sweeps its work dir", async () => {
    const { slug, versions } = await publish(api1, "Scale Killed Worker", slowTestsNodeAgent(8));
    await waitFor("the validation to be running", async () => (await versionStatus(api2, slug)) === "running", { timeoutMs: 60_000, intervalMs: 50 });
    await Bun.sleep(1_500); // inside the sandboxed test run by now
    const deadPid = worker.proc.pid;
    await worker.kill();
    expect(await versionStatus(api1, slug)).toBe("running");
    const replacement = await start("worker");
    await waitFor("the replacement to sweep the dead worker's work dir", () => replacement.logs().includes('"msg":"swept leftovers of processes that died"'), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(replacement.logs()).toMatch(/"workDirs":[1-9]/);
    await waitFor("the replacement worker to finish the job", async () => (await versionStatus(api2, slug)) === "passed", {
      timeoutMs: 150_000,
      intervalMs: 500,
    });
    // Results are replaced, never appended: one row per check.
    const rows = await rt.db.db.select().from(validationResults).where(eq(validationResults.versionId, versions[0]!.id));
    expect(rows.length).toBe(5);
    expect(deadPid).not.toBe(replacement.proc.pid);
  }, 240_000);
});
