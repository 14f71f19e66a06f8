import { waitFor } from "../../src/testing/redis-test-support.ts";
import { goodNodeAgent } from "../../src/testing/sample-agents.ts";
import { check, count, createWorld, type FaultRow, publish, row } from "./lib.ts";

/**
 * Redis killed (no persistence) or shut down and restored (append-only file) under read load,
 * with a write made while it is away: no read answers 5xx, and none answers from before the write
 * once the write was acknowledged.
 */
export async function redisRestartUnderReads(persistent: boolean): Promise<FaultRow> {
  const r = row(`Redis restart ${persistent ? "with" : "without"} persistence, read load`);
  const world = await createWorld({ persistentRedis: persistent });
  try {
    const api = await world.start("api");
    const { token } = await world.user();
    const res = await publish(api, token, world.category, "Redis Fault Probe", goodNodeAgent());
    const { slug } = (await res.json()) as { slug: string };
    const paths = [`/api/v1/agents/${slug}`, "/api/v1/agents?limit=10", "/api/v1/search/agents?q=probe", "/api/v1/categories"];
    let acknowledgedAt = Number.POSITIVE_INFINITY;
    let stale = 0;
    let running = true;
    const reader = async (n: number) => {
      for (let i = n; running; i++) {
        const path = paths[i % paths.length]!;
        const startedAt = performance.now();
        const answer = await fetch(`${api.url}${path}`).catch(() => null);
        count(r, answer?.status ?? 599);
        if (answer?.status === 200 && path === paths[0] && startedAt > acknowledgedAt) {
          if (((await answer.json()) as { stars: number }).stars !== 1) stale++;
        } else await answer?.arrayBuffer();
      }
    };
    const readers = [0, 1, 2, 3].map(reader);
    await Bun.sleep(1_500);
    if (persistent) await world.redis.shutdown();
    else await world.redis.kill();
    const star = await fetch(`${api.url}/api/v1/agents/${slug}/star`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    check(r, "write during the outage acknowledged", star.status === 204, `answered ${star.status}`);
    acknowledgedAt = performance.now();
    await Bun.sleep(1_500);
    const restartedAt = performance.now();
    await world.redis.start();
    await waitFor("the API to use Redis again", async () => ((await (await fetch(`${api.url}/health`)).json()) as { redis: string }).redis === "ok", {
      timeoutMs: 20_000,
      intervalMs: 50,
    });
    r.recoverySeconds = (performance.now() - restartedAt) / 1000;
    await Bun.sleep(3_000);
    running = false;
    await Promise.all(readers);
    check(r, "0 5xx on reads", r.unavailable + r.otherErrors === 0, `${r.unavailable + r.otherErrors} 5xx`);
    check(r, "no pre-write answer after the ack", stale === 0, `${stale} stale answers`);
    check(r, "process alive", api.proc.exitCode === null);
  } catch (error) {
    check(r, "scenario ran", false, error instanceof Error ? error.message : String(error));
  } finally {
    await world.close();
  }
  return r;
}
