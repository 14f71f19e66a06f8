/**
 * search_agents over /mcp beside the same search over REST (GET /api/v1/search/agents), cached
 * and uncached, one request in flight at a time (latency, not throughput). The server runs as
 * `serve` pinned to core 0; rows are measured interleaved (one request of each row per round), so
 * load from elsewhere on the machine hits every row alike and the ratios hold within a run.
 *
 * - cached: the same warmed query again and again. MCP parses its arguments as REST parses its
 *   query string, so both read the same cache entry.
 * - uncached: a query never asked before in the run (REST and MCP get disjoint halves of one list).
 * - MCP rows are one JSON-RPC POST each (what a client sends per call after initialize); the
 *   "SDK Client" row adds the SDK's client side (request building, output-schema validation).
 * - "tools/list" is the protocol alone: a fresh McpServer and transport, no service call.
 *
 * Usage: bun scripts/bench/mcp-search.ts [rounds] [agents]
 * With DATABASE_URL (an admin URL; a throwaway database is made beside it) and REDIS_URL it runs
 * on PostgreSQL + Redis; without them, on the embedded PGlite and in-process cache.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { adminQuery, dropRedisKeys, printTable, spawnPinned, waitForHttp } from "./lib.ts";
import { searchQuery, searchText } from "./search-corpus.ts";
import { seedAgents } from "./seed-agents.ts";

const rounds = Number(process.argv[2] ?? 300);
const count = Number(process.argv[3] ?? 10_000);
const adminUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
const networked = Boolean(adminUrl && redisUrl);

const root = join(import.meta.dir, "..", "..");
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-mcp-"));
const database = `am_bench_mcp_${process.pid}`;
const prefix = `am-bench-mcp:${process.pid}:`;
const env: Record<string, string> = { DATA_DIR: dataDir };
if (networked) {
  await adminQuery(adminUrl!, `create database ${database}`);
  Object.assign(env, { DATABASE_URL: Object.assign(new URL(adminUrl!), { pathname: `/${database}` }).toString(), REDIS_URL: redisUrl!, REDIS_PREFIX: prefix });
}

const port = 8197;
const base = `http://127.0.0.1:${port}`;
let server: ReturnType<typeof spawnPinned> | null = null;
try {
  const started = performance.now();
  await seedAgents(env, count, searchText);
  console.log(
    `seeded ${count} agents in ${Math.round(performance.now() - started)} ms (${networked ? "PostgreSQL + Redis" : "embedded PGlite, in-process cache"})`,
  );
  server = spawnPinned(0, [process.execPath, join(root, "src/main.ts"), "serve", "--port", String(port)], { ...env, RATE_LIMIT_ENABLED: "false" });
  await waitForHttp(`${base}/health`);

  // Distinct (query, limit) pairs, alternately REST's and MCP's: no cache key repeats in the run.
  const distinct = [...new Set(Array.from({ length: rounds * 40 }, (_, n) => `${searchQuery(n)}\u0000${10 + (n % 11)}`))].map((key) => {
    const [q, limit] = key.split("\u0000") as [string, string];
    return { q, limit: Number(limit) };
  });
  if (distinct.length < rounds * 2 + 40) throw new Error(`only ${distinct.length} distinct queries for ${rounds} rounds`);
  const hot = { q: "slack digest", limit: 10 };

  let id = 0;
  const rest = (s: { q: string; limit: number }) => fetch(`${base}/api/v1/search/agents?q=${encodeURIComponent(s.q)}&limit=${s.limit}`).then(ok);
  const rpc = (method: string, params: unknown) =>
    fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    }).then(ok);
  const mcp = (s: { q: string; limit: number }) => rpc("tools/call", { name: "search_agents", arguments: { query: s.q, limit: s.limit } });
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  await client.listTools(); // the client caches output schemas from here on, as assistants do

  const rows: { name: string; run: (round: number) => Promise<unknown> }[] = [
    { name: "REST search, cached", run: () => rest(hot) },
    { name: "MCP search_agents, cached", run: () => mcp(hot) },
    { name: "MCP search_agents via SDK Client, cached", run: () => client.callTool({ name: "search_agents", arguments: { query: hot.q, limit: hot.limit } }) },
    { name: "REST search, uncached", run: (r) => rest(distinct[40 + 2 * r]!) },
    { name: "MCP search_agents, uncached", run: (r) => mcp(distinct[41 + 2 * r]!) },
    { name: "MCP tools/list (protocol only)", run: () => rpc("tools/list", {}) },
  ];
  // Warm-up: JIT, connections, the hot entry, and the first 40 distinct queries (planner, caches).
  for (let i = 0; i < 40; i++) {
    for (const row of rows.filter((r) => !r.name.includes("uncached"))) await row.run(i);
    await rest(distinct[i]!);
  }
  const samples = rows.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, row] of rows.entries()) {
      const t0 = performance.now();
      await row.run(round);
      samples[i]!.push(performance.now() - t0);
    }
  }
  await client.close();

  const stats = samples.map((list) => {
    const sorted = [...list].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
    return { p50: at(50), p90: at(90), p99: at(99), mean: list.reduce((a, b) => a + b, 0) / list.length };
  });
  const restOf = (name: string) => stats[rows.findIndex((r) => r.name === name)]!.p50;
  printTable(
    rows.map((row, i) => {
      const baseline = row.name.includes("uncached") ? restOf("REST search, uncached") : restOf("REST search, cached");
      return {
        request: row.name,
        "p50 ms": stats[i]!.p50,
        "p90 ms": stats[i]!.p90,
        "p99 ms": stats[i]!.p99,
        "mean ms": stats[i]!.mean,
        "p50 / REST p50": row.name.startsWith("REST") || row.name.includes("tools/list") ? "-" : (stats[i]!.p50 / baseline).toFixed(2),
      };
    }),
  );
  console.log(
    `${rounds} rounds, one request in flight; ${count} agents; e.g. uncached queries: ${distinct
      .slice(40, 46)
      .map((d) => d.q)
      .join(" | ")}`,
  );
} finally {
  server?.kill("SIGTERM");
  await server?.exited;
  if (networked) {
    await adminQuery(adminUrl!, `drop database if exists ${database} with (force)`);
    await dropRedisKeys(redisUrl!, prefix);
  }
  await rm(dataDir, { recursive: true, force: true });
}

async function ok(response: Response): Promise<void> {
  const body = await response.text();
  if (!response.ok || body.includes('"isError":true')) throw new Error(`${response.status}: ${body.slice(0, 300)}`);
}
