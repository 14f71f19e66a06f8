/** Helpers for the hand-run benchmarks: start processes pinned to a core, drive wrk, print tables. */
import type { Subprocess } from "bun";
import pg from "pg";
import { closeRedis, createRedisConnection } from "../../src/lib/redis.ts";

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - started;
    } catch {
      // not up yet
    }
    await Bun.sleep(20);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export function spawnPinned(core: number, cmd: string[], env: Record<string, string | undefined> = {}): Subprocess {
  return Bun.spawn(["taskset", "-c", String(core), ...cmd], { env: { ...process.env, LOG_LEVEL: "silent", ...env }, stdout: "ignore", stderr: "inherit" });
}

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** Requests completed in the run. */
  requests: number;
}

/** wrk on its own core; --latency gives the percentile table we parse. */
export function wrk(
  url: string,
  opts: { core: number; seconds: number; connections: number; threads?: number; headers?: string[]; script?: string },
): WrkResult {
  const args = ["taskset", "-c", String(opts.core), "wrk", "--latency", `-t${opts.threads ?? 1}`, `-c${opts.connections}`, `-d${opts.seconds}s`];
  for (const h of opts.headers ?? []) args.push("-H", h);
  if (opts.script) args.push("-s", opts.script);
  const out = Bun.spawnSync([...args, url]).stdout.toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const latency = (p: string) => toMs(new RegExp(`\\s${p}%\\s+([\\d.]+\\w+)`).exec(out)?.[1] ?? "NaN");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  return { requestsPerSec: rps, p50Ms: latency("50"), p99Ms: latency("99"), errors, requests };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime), counted after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

export function printTable(rows: Record<string, string | number>[]): void {
  const headers = Object.keys(rows[0] ?? {});
  const cells = rows.map((r) => headers.map((h) => (typeof r[h] === "number" ? format(r[h] as number) : String(r[h]))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const c of cells) console.log(line(c));
}

function format(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 0);
}

/** Runs one statement (create or drop a benchmark database) on the server of `url`. */
export async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Deletes a benchmark run's Redis keys (everything under `keyPrefix`). */
export async function dropRedisKeys(url: string, keyPrefix: string): Promise<void> {
  const redis = createRedisConnection(url);
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await closeRedis(redis);
}
