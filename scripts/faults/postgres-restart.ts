import { count as sqlCount } from "drizzle-orm";
import { stars } from "../../db/schema/index.ts";
import type { StopMode } from "../../src/testing/private-services.ts";
import { goodNodeAgent } from "../../src/testing/sample-agents.ts";
import { check, count, createWorld, type FaultRow, publish, row } from "./lib.ts";

/**
 * PostgreSQL stopped (fast or immediate) and started again under mixed load: 40 users star one
 * agent (retrying on 503 as a client should) while readers read it. The API process stays up,
 * 503 is the only error and only around the outage, and every acknowledged star is counted.
 */
export async function postgresRestartUnderLoad(mode: StopMode, users = 40): Promise<FaultRow> {
  const r = row(`PostgreSQL ${mode} restart, mixed load`);
  const world = await createWorld();
  try {
    const api = await world.start("api");
    const author = await world.user();
    const { slug } = (await (await publish(api, author.token, world.category, "Postgres Fault Probe", goodNodeAgent())).json()) as { slug: string };
    const tokens = await Promise.all(Array.from({ length: users }, () => world.user().then((u) => u.token)));
    let stoppedAt = Number.POSITIVE_INFINITY;
    let startedAt = Number.POSITIVE_INFINITY;
    // Recovery: the first acknowledged write after the restart (reads may come from the cache throughout).
    let firstOkAfterStart = Number.POSITIVE_INFINITY;
    const unavailableAt: number[] = [];
    const acked = new Set<number>();
    const observe = (status: number, at: number) => {
      count(r, status);
      if (status === 204 && at > startedAt) firstOkAfterStart = Math.min(firstOkAfterStart, at);
      if (status === 503) unavailableAt.push(at);
    };
    let running = true;
    const reader = async () => {
      while (running) {
        const res = await fetch(`${api.url}/api/v1/agents/${slug}`).catch(() => null);
        observe(res?.status ?? 599, performance.now());
        await res?.arrayBuffer();
      }
    };
    const writer = async (i: number) => {
      await Bun.sleep(i * 50);
      while (running && !acked.has(i)) {
        const res = await fetch(`${api.url}/api/v1/agents/${slug}/star`, { method: "POST", headers: { authorization: `Bearer ${tokens[i]}` } }).catch(
          () => null,
        );
        observe(res?.status ?? 599, performance.now());
        if (res?.status === 204) acked.add(i);
        else await Bun.sleep(250);
      }
    };
    const readers = [0, 1, 2].map(reader);
    const writers = tokens.map((_, i) => writer(i));
    await Bun.sleep(800);
    stoppedAt = performance.now();
    world.pg.stop(mode);
    await Bun.sleep(2_000);
    await world.pg.start();
    startedAt = performance.now();
    const deadline = Date.now() + 30_000;
    while (acked.size < users && Date.now() < deadline) await Bun.sleep(100);
    await Bun.sleep(500);
    running = false;
    await Promise.all([...readers, ...writers]);
    r.recoverySeconds = Number.isFinite(firstOkAfterStart) ? (firstOkAfterStart - startedAt) / 1000 : null;
    check(r, "process alive", api.proc.exitCode === null);
    check(r, "no 5xx but 503", r.otherErrors === 0, `${r.otherErrors} other 5xx`);
    // Before the stop, or later than 2 s after writes were acknowledged again, a 503 is a defect.
    const stray = unavailableAt.filter((at) => at < stoppedAt || at > firstOkAfterStart + 2_000).length;
    check(r, "503 only during the outage", stray === 0, `${stray} 503s outside it`);
    check(r, "503 seen while down", r.unavailable > 0);
    check(r, "writes acknowledged again within 10 s", r.recoverySeconds !== null && r.recoverySeconds < 10, `${r.recoverySeconds}`);
    const [stored] = await world.rt.db.db.select({ n: sqlCount() }).from(stars);
    const shown = ((await (await fetch(`${api.url}/api/v1/agents/${slug}`)).json()) as { stars: number }).stars;
    check(r, "every acknowledged star stored", stored?.n === acked.size, `${stored?.n} stored, ${acked.size} acknowledged`);
    check(r, "counter exact", shown === acked.size, `stars shows ${shown}, ${acked.size} acknowledged`);
    check(r, "every writer acknowledged", acked.size === users, `${acked.size}/${users}`);
  } catch (error) {
    check(r, "scenario ran", false, error instanceof Error ? error.message : String(error));
  } finally {
    await world.close();
  }
  return r;
}
