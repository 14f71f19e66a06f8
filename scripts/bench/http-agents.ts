/**
 * GET /api/v1/agents and GET /api/v1/agents/{slug} with 10,000 agents seeded, beside a bare
 * Elysia route, in the same run. Servers on core 0, wrk on core 1.
 * Usage: bun scripts/bench/http-agents.ts [seconds] [agents]
 * Embedded default; set DATABASE_URL (and REDIS_URL) in the environment for PostgreSQL.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printTable, spawnPinned, waitForHttp, wrk } from "./lib.ts";
import { seedAgents } from "./seed-agents.ts";

const seconds = Number(process.argv[2] ?? 10);
const count = Number(process.argv[3] ?? 10_000);
const root = join(import.meta.dir, "..", "..");
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-"));
const started = performance.now();
const seeded = await seedAgents({ DATA_DIR: dataDir }, count);
console.log(`seeded ${count} agents in ${Math.round(performance.now() - started)} ms (${process.env.DATABASE_URL ? "PostgreSQL" : "embedded PGlite"})`);

const app = spawnPinned(0, [process.execPath, join(root, "src/main.ts"), "serve", "--port", "8198", "--data-dir", dataDir], { RATE_LIMIT_ENABLED: "false" });
const bare = spawnPinned(0, [process.execPath, join(root, "scripts/bench/bare-elysia.ts"), "8199"]);
try {
  await waitForHttp("http://127.0.0.1:8198/health");
  await waitForHttp("http://127.0.0.1:8199/bare");
  const routes = [
    { route: "bare Elysia GET /bare", url: "http://127.0.0.1:8199/bare" },
    { route: "GET /api/v1/agents", url: "http://127.0.0.1:8198/api/v1/agents" },
    { route: "GET /api/v1/agents?sort=downloads", url: "http://127.0.0.1:8198/api/v1/agents?sort=downloads" },
    { route: "GET /api/v1/agents/{slug}", url: `http://127.0.0.1:8198/api/v1/agents/${seeded.sampleSlug}` },
  ];
  const opts = { core: 1, seconds, connections: 50 };
  for (const { url } of routes) wrk(url, { ...opts, seconds: 2 }); // warm-up
  const rows = routes.map(({ route, url }) => {
    const result = wrk(url, opts);
    return { route, "req/s": result.requestsPerSec, "p50 ms": result.p50Ms, "p99 ms": result.p99Ms, errors: result.errors };
  });
  printTable(rows);
  const bareRps = rows[0]!["req/s"];
  for (const row of rows.slice(1)) console.log(`${row.route} / bare: ${(row["req/s"] / bareRps).toFixed(3)}`);
} finally {
  app.kill("SIGTERM");
  bare.kill("SIGTERM");
  await Promise.all([app.exited, bare.exited]);
  await rm(dataDir, { recursive: true, force: true });
}
