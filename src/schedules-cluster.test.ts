import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readTestEnv } from "./env.ts";
import { createRedisConnection } from "./lib/redis.ts";
import { type ServerProcess, startServer } from "./testing/cluster.ts";
import { createPostgresTestDatabase } from "./testing/databases.ts";
import { deleteByPrefix, sleep } from "./testing/redis-test-support.ts";

const SCHEDULE = "purge-expired-auth";

interface ScheduleLine {
  schedule?: string;
  tick?: string;
  msg?: string;
}

function scheduleLines(server: ServerProcess): ScheduleLine[] {
  return server
    .logs()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as ScheduleLine)
    .filter((line) => line.schedule === SCHEDULE && line.tick !== undefined);
}

/**
 * "Each schedule fires once per tick across instances" with real processes (issue 14): two worker
 * processes (src/main.ts serve --role worker) on one PostgreSQL and Redis, one schedule moved to
 * every second with SCHEDULE_OVERRIDES. Every tick is attempted by both (croner fires everywhere)
 * and run by exactly one (the tick's lock in Redis); the other logs that it was taken.
 */
describe("schedules across two worker processes", () => {
  const testEnv = readTestEnv();
  const prefix = `am-test:schedules-${process.pid}-${Date.now().toString(36)}:`;
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  let shared: Record<string, string> = {};

  const start = async (env: Record<string, string>, waitHealthy = true) => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-schedules-"));
    dirs.push(dataDir);
    const server = await startServer("worker", { ...shared, DATA_DIR: dataDir, ...env }, { waitHealthy });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    const { handle, url } = await createPostgresTestDatabase(1);
    await handle.close();
    shared = { DATABASE_URL: url, REDIS_URL: testEnv.TEST_REDIS_URL, REDIS_PREFIX: prefix, SIGNING_SECRET: "s".repeat(40) };
  });

  afterAll(async () => {
    for (const server of servers) if (server.proc.exitCode === null) await server.stop();
    const redis = createRedisConnection(testEnv.TEST_REDIS_URL, { name: "schedules-cleanup" });
    await deleteByPrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  test("every tick runs once between the two, and both tried it", async () => {
    const env = { SCHEDULE_OVERRIDES: `${SCHEDULE}=* * * * * *`, LOG_LEVEL: "debug" };
    const [a, b] = [await start(env), await start(env)];
    const bothUp = Date.now();
    await sleep(8_000);
    const settled = Date.now() - 1_500;
    const lines = [...scheduleLines(a), ...scheduleLines(b)];
    const ticks = [...new Set(lines.map((l) => l.tick as string))].filter((tick) => {
      const at = Date.parse(tick);
      return at >= bothUp + 1_000 && at <= settled;
    });
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const tick of ticks) {
      const ofTick = lines.filter((l) => l.tick === tick);
      expect({ tick, ran: ofTick.filter((l) => l.msg === "schedule ran").length }).toEqual({ tick, ran: 1 });
      expect({ tick, taken: ofTick.filter((l) => l.msg === "schedule tick taken by another instance").length }).toEqual({ tick, taken: 1 });
    }
    console.info(
      `${ticks.length} ticks: ${scheduleLines(a).filter((l) => l.msg === "schedule ran").length} run by one process, ${scheduleLines(b).filter((l) => l.msg === "schedule ran").length} by the other`,
    );
  }, 90_000);

  test("an override naming no schedule, or with a bad pattern, stops the start with the variable named", async () => {
    const unknown = await start({ SCHEDULE_OVERRIDES: "no-such-schedule=* * * * * *" }, false);
    expect(await unknown.proc.exited).toBe(1);
    expect(unknown.logs()).toContain("SCHEDULE_OVERRIDES: no schedule named no-such-schedule (schedules: rollup-daily-stats");
    expect(unknown.logs()).not.toContain("    at ");
    const badPattern = await start({ SCHEDULE_OVERRIDES: `${SCHEDULE}=every second` }, false);
    expect(await badPattern.proc.exited).toBe(1);
    expect(badPattern.logs()).toContain("SCHEDULE_OVERRIDES");
  }, 90_000);
});
