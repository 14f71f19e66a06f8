/**
 * What one publish and its validation cost in storage calls and SQL statements: POST /agents
 * through the HTTP stack, then the validate-version job, each phase counted separately.
 * Usage: DATABASE_URL=... [REDIS_URL=... S3_*=...] bun scripts/bench/publish-trace.ts (PostgreSQL only: it counts node-postgres queries)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createApp } from "../../src/app.ts";
import { readEnv } from "../../src/env.ts";
import { createRuntime, startJobWorker } from "../../src/runtime.ts";
import { apiTokenFor } from "../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { goodNodeAgent } from "../../src/testing/sample-agents.ts";
import { publishViaHttp } from "../../src/testing/uploads.ts";

let phase = "setup";
const calls = new Map<string, number>();
const count = (what: string) => calls.set(`${phase}\t${what}`, (calls.get(`${phase}\t${what}`) ?? 0) + 1);

const query = pg.Client.prototype.query;
let pollClient: pg.Client | undefined;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (this === pollClient) return (query as (...a: unknown[]) => unknown).apply(this, args);
  const first = args[0] as string | { text?: string };
  const text = typeof first === "string" ? first : (first?.text ?? "");
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? "?";
  count(`sql ${verb === "with" ? "with (cte)" : verb}`);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const dataDir = await mkdtemp(join(tmpdir(), "am-trace-"));
const rt = await createRuntime(readEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", RATE_LIMIT_ENABLED: "false" }));
const store = rt.storage;
rt.storage = new Proxy(store, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver);
    if (typeof value !== "function") return value;
    return (...args: unknown[]) => {
      count(`storage ${String(prop)}`);
      return value.apply(target, args);
    };
  },
});
const cache = rt.cache;
rt.cache = {
  ...cache,
  incr: (key: string) => {
    count("cache incr (invalidation)");
    return cache.incr(key);
  },
};
const { fetch } = createApp(rt);
const call = (path: string, init?: RequestInit) => fetch(new Request(`http://localhost${path}`, init));
try {
  const user = await makeUser(rt.db.db);
  const category = await makeCategory(rt.db.db);
  const token = await apiTokenFor(rt, user);
  const code = goodNodeAgent();
  phase = "publish";
  const agent = await publishViaHttp(call, token, { name: `Trace Agent ${Date.now()}`, category: category.slug, code });
  phase = "validation";
  const worker = startJobWorker(rt, { pollMs: 20 });
  // Polled on a connection of its own, which the counter skips.
  pollClient = new pg.Client({ connectionString: rt.env.DATABASE_URL });
  await pollClient.connect();
  for (;;) {
    await Bun.sleep(20);
    const r = await pollClient.query("select validation_status from agent_versions where agent_id = $1", [agent.id]);
    if (!["pending", "running"].includes(r.rows[0].validation_status)) break;
  }
  await pollClient.end();
  await worker.stop({ graceMs: 5_000 });
  phase = "done";
} finally {
  await rt.close();
  await rm(dataDir, { recursive: true, force: true });
}
const rows = [...calls]
  .filter(([k]) => !/^(setup|done)\t/.test(k))
  .map(([k, n]) => {
    const [p, what] = k.split("\t");
    return { phase: p, call: what, count: n };
  });
console.log(`database: ${rt.db.kind}, storage: ${store.kind}`);
console.table(rows);
process.exit(0);
