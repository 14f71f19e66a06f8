import { afterAll, beforeAll } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appRouter } from "../../routers/_app.ts";
import { createApp } from "../app.ts";
import { envWith, readTestEnv } from "../env.ts";
import type { DatabaseHandle } from "../lib/db/db.ts";
import { createRuntime, type Runtime, requestContext } from "../runtime.ts";
import type { Actor } from "../services/actor.ts";
import { ANONYMOUS } from "../services/actor.ts";
import type { Context } from "../trpc/context.ts";
import { createCallerFactory } from "../trpc/init.ts";
import { procedureContext } from "../trpc/service.ts";
import { createEmbeddedTestDatabase, createPostgresTestDatabase } from "./databases.ts";
import { deleteByPrefix } from "./redis-test-support.ts";
import { dropTestBucket } from "./s3-buckets.ts";

/** "services": PostgreSQL + Redis + S3 (Ceph RGW); "embedded": PGlite, in-process, files. */
export type TestMode = "services" | "embedded";
export const TEST_MODES: readonly TestMode[] = ["services", "embedded"];

const testEnv = readTestEnv();
/** Every test request comes from one IP; tests of the limits themselves override these. */
const generousRateLimits = { RATE_LIMIT_USER_PER_HOUR: "1000000", RATE_LIMIT_ANON_PER_HOUR: "1000000", RATE_LIMIT_AUTH_PER_MINUTE: "1000000" };
let instance = 0;
/** The first embedded database of a run pays PGlite's initdb (several seconds on 2 cores). */
const HOOK_TIMEOUT_MS = 60_000;

export async function createTestRuntime(mode: TestMode, overrides: Record<string, string> = {}): Promise<Runtime & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "am-test-"));
  const id = `${testEnv.TEST_RUN_ID}-${process.pid}-${++instance}`.replaceAll("_", "-");
  const base: Record<string, string> = { NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dataDir, SIGNING_SECRET: "s".repeat(40), ...generousRateLimits };
  let db: DatabaseHandle;
  if (mode === "services") {
    const created = await createPostgresTestDatabase();
    db = created.handle;
    Object.assign(base, { DATABASE_URL: created.url, REDIS_URL: testEnv.TEST_REDIS_URL, REDIS_PREFIX: `am-test:${id}:` });
    if (testEnv.TEST_S3_ENDPOINT) {
      Object.assign(base, {
        S3_ENDPOINT: testEnv.TEST_S3_ENDPOINT,
        S3_ACCESS_KEY: testEnv.TEST_S3_ACCESS_KEY ?? "",
        S3_SECRET_KEY: testEnv.TEST_S3_SECRET_KEY ?? "",
        S3_REGION: testEnv.TEST_S3_REGION,
        S3_BUCKET: `am-${id}`.toLowerCase().slice(0, 63),
        S3_FORCE_PATH_STYLE: "true",
      });
    } else if (testEnv.TEST_REQUIRE_S3) {
      throw new Error("TEST_REQUIRE_S3 is set but TEST_S3_ENDPOINT is not");
    }
  } else {
    db = await createEmbeddedTestDatabase();
  }
  const env = envWith({ ...base, ...overrides });
  const rt = await createRuntime(env, { db, migrate: false });
  const closeRuntime = rt.close.bind(rt);
  return Object.assign(rt, {
    dataDir,
    async close() {
      // The Redis keys and the bucket of this runtime go too: the services outlive many runs.
      if (rt.redis) await deleteByPrefix(rt.redis, env.REDIS_PREFIX).catch(() => undefined);
      await closeRuntime();
      await dropTestBucket(env);
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

const createCaller = createCallerFactory(appRouter);
type AppCaller = ReturnType<typeof createCaller>;

export interface TestApp {
  rt: Runtime;
  /** The full HTTP stack (request id, CORS, metrics) without a socket. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** tRPC procedures called directly, as the given actor (or anonymous). */
  caller(actor?: Actor): AppCaller;
}

/** Registers beforeAll/afterAll that build a runtime and app for the mode; read it inside tests. */
export function useTestApp(mode: TestMode, overrides: Record<string, string> = {}): TestApp {
  let rt: Runtime | undefined;
  let handle: ((request: Request) => Promise<Response>) | undefined;
  beforeAll(async () => {
    rt = await createTestRuntime(mode, overrides);
    const { fetch } = createApp(rt);
    handle = (request) => fetch(request);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await rt?.close();
  }, HOOK_TIMEOUT_MS);
  const need = () => {
    if (!rt || !handle) throw new Error("test app used outside a test");
    return { rt, handle };
  };
  return {
    get rt() {
      return need().rt;
    },
    fetch: (path, init) => need().handle(new Request(`http://localhost${path}`, init)),
    caller: (actor = ANONYMOUS) => createCaller(contextFor(need().rt, actor)),
  };
}

function contextFor(rt: Runtime, actor: Actor = ANONYMOUS): Context {
  return procedureContext(requestContext(rt, actor), { requestId: crypto.randomUUID(), ip: "127.0.0.1", headers: new Headers() });
}

export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
