/**
 * GET /api/v1/search/agents over 100,000 agents with realistic names and descriptions, against
 * PostgreSQL + Redis, cached and uncached, beside a bare Elysia route in the same run.
 * Servers on core 0, wrk on core 1. "Uncached" requests never repeat a query (wrk walks a list
 * of distinct ones), so every answer is computed; "cached" repeats warmed queries.
 *
 * The uncached rows run twice: with PostgreSQL's default planner costs, then with
 * random_page_cost = 1.1 (the usual setting for SSD or RAM-resident data), under which the planner
 * reads mid-selective words through the GIN index instead of scanning the table.
 *
 * Usage: bun scripts/bench/http-search.ts [seconds] [agents]
 * Needs DATABASE_URL (an admin URL; a throwaway database is created next to it) and REDIS_URL.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adminQuery, dropRedisKeys, printTable, spawnPinned, waitForHttp, wrk } from "./lib.ts";
import { searchQuery, searchText } from "./search-corpus.ts";
import { seedAgents } from "./seed-agents.ts";

const seconds = Number(process.argv[2] ?? 10);
const count = Number(process.argv[3] ?? 100_000);
const adminUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!adminUrl || !redisUrl) throw new Error("set DATABASE_URL and REDIS_URL");

const root = join(import.meta.dir, "..", "..");
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-search-"));
const database = `am_bench_search_${process.pid}`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString();
const prefix = `am-bench-search:${process.pid}:`;
await adminQuery(adminUrl!, `create database ${database}`);

const port = 8196;
const base = `http://127.0.0.1:${port}/api/v1/search/agents`;
const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, DATA_DIR: dataDir };
const app = { server: null as ReturnType<typeof spawnPinned> | null, bare: null as ReturnType<typeof spawnPinned> | null };
try {
  const started = performance.now();
  await seedAgents(env, count, searchText);
  console.log(`seeded ${count} agents in ${Math.round(performance.now() - started)} ms (PostgreSQL + Redis)`);

  // Distinct queries for the uncached rows, a disjoint slice per row: the page size varies too,
  // so no cache key ever repeats within a run.
  const distinct = [...new Set(Array.from({ length: 120_000 }, (_, n) => `?q=${encodeURIComponent(searchQuery(n))}&limit=${10 + (n % 11)}`))];
  const slices = 4;
  const scripts = await Promise.all(
    Array.from({ length: slices }, async (_, k) => {
      const list = join(dataDir, `uncached-${k}.txt`);
      const slice = distinct.filter((_, n) => n % slices === k).map((query) => `/api/v1/search/agents${query}`);
      await writeFile(list, slice.join("\n"));
      const script = join(dataDir, `uncached-${k}.lua`);
      await writeFile(
        script,
        `paths = {}\nfor line in io.lines("${list}") do paths[#paths + 1] = line end\ni = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[((i - 1) % #paths) + 1])\nend\n`,
      );
      return script;
    }),
  );
  const hot = ["pdf", "slack digest", "sumarizer"].map((q) => `${base}?q=${encodeURIComponent(q)}`);

  const startServer = async () => {
    app.server = spawnPinned(0, [process.execPath, join(root, "src/main.ts"), "serve", "--port", String(port)], { ...env, RATE_LIMIT_ENABLED: "false" });
    await waitForHttp(`http://127.0.0.1:${port}/health`);
  };
  await startServer();
  app.bare = spawnPinned(0, [process.execPath, join(root, "scripts/bench/bare-elysia.ts"), "8199"]);
  await waitForHttp("http://127.0.0.1:8199/bare");
  for (const url of [...hot, "http://127.0.0.1:8199/bare"]) wrk(url, { core: 1, seconds: 2, connections: 10 }); // warm-up

  const opts = { core: 1, seconds, connections: 50 };
  const measured = [
    { route: "bare Elysia GET /bare", result: wrk("http://127.0.0.1:8199/bare", opts) },
    { route: "search, cached: q=pdf", result: wrk(hot[0]!, opts) },
    { route: "search, cached: q=slack digest", result: wrk(hot[1]!, opts) },
    { route: "search, cached: q=sumarizer (typo)", result: wrk(hot[2]!, opts) },
    { route: "search, uncached, 50 conns", result: wrk(base, { ...opts, script: scripts[0] }) },
    { route: "search, uncached, 1 conn", result: wrk(base, { ...opts, connections: 1, script: scripts[1] }) },
  ];
  await adminQuery(adminUrl!, `alter database ${database} set random_page_cost = 1.1`);
  app.server?.kill("SIGTERM");
  await app.server?.exited;
  await startServer();
  measured.push(
    { route: "search, uncached, 50 conns, random_page_cost 1.1", result: wrk(base, { ...opts, script: scripts[2] }) },
    { route: "search, uncached, 1 conn, random_page_cost 1.1", result: wrk(base, { ...opts, connections: 1, script: scripts[3] }) },
  );
  const rows = measured.map(({ route, result }) => ({
    route,
    "req/s": result.requestsPerSec,
    "p50 ms": result.p50Ms,
    "p99 ms": result.p99Ms,
    errors: result.errors,
  }));
  printTable(rows);
  const bareRps = rows[0]!["req/s"];
  for (const row of rows.slice(1)) console.log(`${row.route} / bare: ${(row["req/s"] / bareRps).toFixed(3)}`);
  console.log(
    `${distinct.length} distinct uncached queries, e.g. ${distinct
      .slice(0, 6)
      .map((query) => new URLSearchParams(query).get("q"))
      .join(" | ")}`,
  );
} finally {
  app.server?.kill("SIGTERM");
  app.bare?.kill("SIGTERM");
  await Promise.all([app.server?.exited, app.bare?.exited]);
  await adminQuery(adminUrl!, `drop database if exists ${database} with (force)`);
  await dropRedisKeys(redisUrl, prefix);
  await rm(dataDir, { recursive: true, force: true });
}
