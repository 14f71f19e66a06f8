/**
 * Issue 15's whole table in one run: the catalog's read routes in both runtime modes
 * (PostgreSQL + Redis, and embedded PGlite) beside a bare Elysia route, cached and uncached,
 * with server CPU per request, then (optionally) uncached search over a big catalog and start-up.
 * Servers on core 0, wrk on core 1, 50 connections. The original Python implementation is not on
 * this machine: its column repeats the figures quoted in issue 15 and is NOT re-measured.
 *
 * Usage: bun scripts/bench/compare.ts [--seconds 3] [--agents 10000] [--modes services,embedded]
 *          [--search-agents 100000] [--startup] [--baseline /path/to/other/checkout]
 * --baseline runs the big search and the start-up again with another checkout's server (e.g. main,
 * with its node_modules installed) in the same run, on the same data, for before/after ratios;
 * --baseline-binary /path/to/its/binary adds that checkout's compiled binary to the start-up table.
 * The services mode needs DATABASE_URL (an admin URL: a throwaway database is created beside it)
 * and REDIS_URL (keys under a throwaway prefix); TEST_DATABASE_URL / TEST_REDIS_URL also work.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { adminQuery, cpuSeconds, dropRedisKeys, printTable, spawnPinned, type WrkResult, waitForHttp, wrk } from "./lib.ts";
import { searchQuery } from "./search-corpus.ts";

const option = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const seconds = Number(option("seconds", "3"));
const agentCount = Number(option("agents", "10000"));
const modes = option("modes", "services,embedded").split(",").filter(Boolean);
const searchAgents = Number(option("search-agents", "0"));
const baseline = option("baseline", "");
const adminUrl = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? process.env.TEST_REDIS_URL;
const root = join(import.meta.dir, "..", "..");
const work = await mkdtemp(join(tmpdir(), "am-compare-"));
const PORT = 8198;
const BARE = "http://127.0.0.1:8199/bare";
const wrkOpts = { core: 1, seconds, connections: 50 };
// Requests per second of the original implementation, quoted from issue 15 (same machine class, not re-measured).
const ORIGINAL: Record<string, number> = { list: 79, detail: 123, search: 12, categories: 232 };
const serverEnv = { RATE_LIMIT_ANON_PER_HOUR: "1000000000", RATE_LIMIT_USER_PER_HOUR: "1000000000", NODE_ENV: "production" };

type Row = Record<string, string | number>;
const rows: Row[] = [];
const cleanups: (() => Promise<void>)[] = [];
const bare = spawnPinned(0, [process.execPath, join(root, "scripts/bench/bare-elysia.ts"), "8199"]);

try {
  await waitForHttp(BARE);
  wrk(BARE, { ...wrkOpts, seconds: 1 });
  for (const mode of modes) await measureMode(mode);
  if (rows.length > 0) printTable(rows);
  if (searchAgents > 0) await measureBigSearch();
  if (process.argv.includes("--startup")) await measureStartup();
  console.log(`load average at the end: ${(await Bun.file("/proc/loadavg").text()).trim()}`);
} finally {
  bare.kill("SIGTERM");
  await bare.exited;
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => console.error("cleanup failed:", err));
  await rm(work, { recursive: true, force: true });
}

interface Seeded {
  sampleSlug: string;
  slugs: string[];
  category: string;
  token: string;
}

/** A fresh database for one mode: a throwaway PostgreSQL database + Redis prefix, or a PGlite folder. */
async function freshEnv(mode: string, tag: string): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(join(work, `${mode}-`));
  if (mode === "embedded") return { DATA_DIR: dataDir };
  if (!adminUrl || !redisUrl) throw new Error("the services mode needs DATABASE_URL and REDIS_URL (or TEST_*)");
  const database = `am_compare_${tag}_${process.pid}`;
  const prefix = `am-compare:${tag}:${process.pid}:`;
  await adminQuery(adminUrl!, `create database ${database}`);
  cleanups.push(async () => {
    await adminQuery(adminUrl!, `drop database if exists ${database} with (force)`);
    await dropRedisKeys(redisUrl, prefix);
  });
  return {
    DATA_DIR: dataDir,
    DATABASE_URL: Object.assign(new URL(adminUrl), { pathname: `/${database}` }).toString(),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
  };
}

async function seed(env: Record<string, string>, count: number, text: string): Promise<Seeded> {
  const proc = Bun.spawnSync([process.execPath, join(root, "scripts/bench/seed.ts"), "--agents", String(count), "--text", text], {
    env: { ...process.env, ...env },
    stderr: "inherit",
  });
  if (proc.exitCode !== 0) throw new Error(`seed.ts failed (${proc.exitCode})`);
  return JSON.parse(proc.stdout.toString().trim().split("\n").at(-1)!) as Seeded;
}

async function startServer(env: Record<string, string>, checkout = root) {
  const server = spawnPinned(0, [process.execPath, join(checkout, "src/main.ts"), "serve", "--port", String(PORT)], { ...env, ...serverEnv });
  await waitForHttp(`http://127.0.0.1:${PORT}/health`, 60_000);
  return server;
}

/** wrk against a URL, with the server's CPU time per request over the same interval. */
async function measure(pid: number, url: string, opts: Partial<typeof wrkOpts> & { script?: string } = {}): Promise<WrkResult & { cpuMs: number }> {
  const before = await cpuSeconds(pid);
  const result = wrk(url, { ...wrkOpts, ...opts });
  const cpu = (await cpuSeconds(pid)) - before;
  return { ...result, cpuMs: result.requests > 0 ? (cpu * 1000) / result.requests : Number.NaN };
}

async function walkScript(name: string, paths: string[]): Promise<string> {
  const list = join(work, `${name}.txt`);
  await writeFile(list, paths.join("\n"));
  const script = join(work, `${name}.lua`);
  await writeFile(
    script,
    `paths = {}\nfor line in io.lines("${list}") do paths[#paths + 1] = line end\ni = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[((i - 1) % #paths) + 1])\nend\n`,
  );
  return script;
}

async function measureMode(mode: string): Promise<void> {
  const env = await freshEnv(mode, "catalog");
  const started = performance.now();
  const seeded = await seed(env, agentCount, "search");
  console.log(`${mode}: seeded ${agentCount} agents in ${Math.round(performance.now() - started)} ms`);
  const server = await startServer(env);
  try {
    const base = `http://127.0.0.1:${PORT}/api/v1`;
    const cached = [
      { key: "list", route: "GET /api/v1/agents?limit=20", url: `${base}/agents?limit=20` },
      { key: "detail", route: "GET /api/v1/agents/{slug}", url: `${base}/agents/${seeded.sampleSlug}` },
      { key: "search", route: "GET /api/v1/search/agents?q=pdf", url: `${base}/search/agents?q=pdf` },
      { key: "categories", route: "GET /api/v1/categories", url: `${base}/categories` },
    ];
    for (const { url } of cached) wrk(url, { ...wrkOpts, seconds: 1 }); // warm-up: fills the caches and the JIT
    const bareResult = await measure(bare.pid, BARE);
    const row = (route: string, r: WrkResult & { cpuMs: number }, original?: number, note = "") => ({
      mode,
      route,
      "req/s": Math.round(r.requestsPerSec),
      "p50 ms": r.p50Ms,
      "p99 ms": r.p99Ms,
      "CPU ms/req": r.cpuMs.toFixed(3),
      "vs bare": (r.requestsPerSec / bareResult.requestsPerSec).toFixed(3),
      "original req/s (issue ref)": original ?? "",
      "vs original (ref)": original ? `${(r.requestsPerSec / original).toFixed(1)}x` : "",
      errors: r.errors,
      note,
    });
    rows.push(row("bare Elysia GET /bare", bareResult));
    for (const { key, route, url } of cached) rows.push(row(`${route} (cached)`, await measure(server.pid!, url), ORIGINAL[key]));
    // Uncached detail: every request names another agent, once each while the slugs last.
    const script = await walkScript(
      `${mode}-details`,
      seeded.slugs.map((slug) => `/api/v1/agents/${slug}`),
    );
    const uncached = await measure(server.pid!, `${base}/agents`, { script });
    rows.push(row("GET /api/v1/agents/{slug} (uncached)", uncached, undefined, uncached.requests > seeded.slugs.length ? "slugs wrapped: some hits" : ""));
  } finally {
    server.kill("SIGTERM");
    await server.exited;
  }
}

/** Uncached search over a big catalog (services mode): distinct queries, 1 and 50 connections. */
async function measureBigSearch(): Promise<void> {
  const env = await freshEnv("services", "search");
  const started = performance.now();
  await seed(env, searchAgents, "search");
  console.log(`seeded ${searchAgents} agents for search in ${Math.round(performance.now() - started)} ms`);
  // Settled statistics and visibility map, as a catalog that grew over time has: otherwise the
  // first server measured shares the machine with autovacuum's pass over the fresh rows.
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  await client.query("vacuum analyze agents").finally(() => client.end());
  const distinct = [
    ...new Set(Array.from({ length: 60_000 }, (_, n) => `/api/v1/search/agents?q=${encodeURIComponent(searchQuery(n))}&limit=${10 + (n % 11)}`)),
  ];
  // The catalog's most common words (a third of the agents or more), each request a distinct page: never a cache hit.
  const commonWords = ["agent", "monitor", "summarize", "explain", "report", "team", "data"];
  const common = Array.from(
    { length: 3000 },
    (_, n) => `/api/v1/search/agents?q=${commonWords[n % commonWords.length]}&limit=${10 + (Math.floor(n / 7) % 91)}&offset=${20 * (Math.floor(n / 637) % 5)}`,
  );
  const scripts = {
    one: await walkScript(
      "search-1",
      distinct.filter((_, n) => n % 2 === 0),
    ),
    fifty: await walkScript(
      "search-50",
      distinct.filter((_, n) => n % 2 === 1),
    ),
    common: await walkScript("search-common", [...new Set(common)]),
    // Distinct pages of the plain list (sort, size, offset): never a cached answer.
    list: await walkScript(
      "list-pages",
      Array.from(
        { length: 3000 },
        (_, n) =>
          `/api/v1/agents?sort=${["downloads", "stars", "created_at"][n % 3]}&limit=${10 + (Math.floor(n / 3) % 91)}&offset=${20 * Math.floor(n / 273)}`,
      ),
    ),
  };
  const url = `http://127.0.0.1:${PORT}/api/v1/search/agents`;
  const out: Row[] = [];
  // Alternated twice with a baseline, so neither checkout always runs on the quieter minute.
  for (const checkout of baseline ? [baseline, root, baseline, root] : [root]) {
    const server = await startServer(env, checkout);
    try {
      const results = [
        { route: `uncached search, ${searchAgents} agents, 1 conn`, r: await measure(server.pid!, url, { connections: 1, script: scripts.one }) },
        { route: `uncached search, ${searchAgents} agents, 50 conns`, r: await measure(server.pid!, url, { script: scripts.fifty }) },
        { route: "uncached search, the most common words only, 1 conn", r: await measure(server.pid!, url, { connections: 1, script: scripts.common }) },
        {
          route: `uncached list pages, ${searchAgents} agents, 1 conn`,
          r: await measure(server.pid!, `http://127.0.0.1:${PORT}/api/v1/agents`, { connections: 1, script: scripts.list }),
        },
      ];
      for (const { route, r } of results)
        out.push({
          checkout: checkout === root ? "this" : checkout,
          route,
          "req/s": Math.round(r.requestsPerSec),
          "p50 ms": r.p50Ms,
          "p99 ms": r.p99Ms,
          "CPU ms/req": r.cpuMs.toFixed(3),
          errors: r.errors,
        });
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  }
  printTable(out);
}

/**
 * Embedded start-up to the first /health 200 (and to the first catalog answer): first start in an
 * empty folder, then restarts, with the server's own phase breakdown (its "server listening" log line).
 */
async function measureStartup(): Promise<void> {
  const binary = join(root, "dist", "agent-marketplace");
  const commands: { name: string; cmd: string[] }[] = [{ name: "bun src/main.ts serve", cmd: [process.execPath, join(root, "src/main.ts"), "serve"] }];
  if (await Bun.file(binary).exists()) commands.push({ name: "binary (dist/)", cmd: [binary, "serve"] });
  // Another checkout (e.g. main) in the same run, for before/after ratios.
  if (baseline) commands.unshift({ name: `bun ${baseline}/src/main.ts serve`, cmd: [process.execPath, join(baseline, "src/main.ts"), "serve"] });
  // The baseline's binary, built elsewhere (its build writes to its own dist/).
  const baselineBinary = option("baseline-binary", "");
  if (baselineBinary) commands.splice(1, 0, { name: `baseline binary ${baselineBinary}`, cmd: [baselineBinary, "serve"] });
  const out: Row[] = [];
  const phaseRows: Row[] = [];
  for (const { name, cmd } of commands) {
    const dir = await mkdtemp(join(work, "startup-"));
    const once = async () => {
      const started = performance.now();
      // Not pinned: a deployment starts on every core it has (the figures were taken so too).
      const proc = Bun.spawn([...cmd, "--port", "8197", "--data-dir", join(dir, "data")], { env: { ...process.env, LOG_LEVEL: "info" }, stdout: "pipe" });
      await waitForHttp("http://127.0.0.1:8197/health", 60_000);
      const ms = performance.now() - started;
      await waitForHttp("http://127.0.0.1:8197/api/v1/agents?limit=20", 60_000);
      const apiMs = performance.now() - started;
      proc.kill("SIGTERM");
      const log = await new Response(proc.stdout).text();
      await proc.exited;
      const listening = log.split("\n").find((line) => line.includes('"phases_ms"'));
      const phases = listening ? (JSON.parse(listening).phases_ms as Record<string, number>) : {};
      return { ms, apiMs, phases };
    };
    const first = await once();
    const again = [await once(), await once(), await once(), await once(), await once()].sort((a, b) => a.ms - b.ms);
    const median = again[2]!;
    out.push({
      command: name,
      "first start ms": Math.round(first.ms),
      "restart ms (median of 5)": Math.round(median.ms),
      "restart best ms": Math.round(again[0]!.ms),
      "restart to first list ms (median run)": Math.round(median.apiMs),
    });
    phaseRows.push({ command: name, run: "first start", ...first.phases });
    phaseRows.push({ command: name, run: "restart (median run)", ...median.phases });
  }
  printTable(out);
  console.log("start-up phases, ms (boot = Bun and the module graph's loading; see src/lib/startup-phases.ts):");
  const names = [...new Set(phaseRows.flatMap((r) => Object.keys(r)))];
  printTable(phaseRows.map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? "-"]))));
}
