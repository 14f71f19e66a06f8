import { inArray } from "drizzle-orm";
import { agentVersions } from "../../db/schema/index.ts";
import { waitFor } from "../../src/testing/redis-test-support.ts";
import { goodNodeAgent } from "../../src/testing/sample-agents.ts";
import { storedKeys } from "../../src/testing/uploads.ts";
import { check, count, createWorld, type FaultRow, publish, row } from "./lib.ts";

/** kill -9 of the worker during 50 validations: all end passed, none recorded twice. */
export async function workerKillDuringValidations(total = 50): Promise<FaultRow> {
  const r = row(`kill -9 worker during ${total} validations`);
  const world = await createWorld();
  try {
    const api = await world.start("api");
    let worker = await world.start("worker", { WORKER_CONCURRENCY: "2" });
    const { token } = await world.user();
    const ids: number[] = [];
    for (let i = 0; i < total; i++) {
      const res = await publish(api, token, world.category, `Fault Kill ${i}`, goodNodeAgent());
      count(r, res.status);
      if (res.status === 202) ids.push(((await res.json()) as { versions: { id: number }[] }).versions[0]!.id);
    }
    check(r, "every publish accepted", ids.length === total, `${ids.length}/${total}`);
    const statuses = async () => world.rt.db.db.select({ status: agentVersions.validationStatus }).from(agentVersions).where(inArray(agentVersions.id, ids));
    const passed = async () => (await statuses()).filter((s) => s.status === "passed").length;
    await waitFor("a few validations", async () => (await passed()) >= 5, { timeoutMs: 120_000, intervalMs: 200 });
    const logs = [worker.logs()];
    await worker.kill();
    const killedAt = performance.now();
    const before = await passed();
    worker = await world.start("worker", { WORKER_CONCURRENCY: "2" });
    await waitFor("the next validation after the kill", async () => (await passed()) > before, { timeoutMs: 120_000, intervalMs: 200 });
    // Recovery: until the last validation, including those the killed worker was running
    // (back in the queue once its heartbeat expires).
    await waitFor("every validation", async () => (await passed()) === ids.length, { timeoutMs: 300_000, intervalMs: 500 }).catch(() => undefined);
    r.recoverySeconds = (performance.now() - killedAt) / 1000;
    logs.push(worker.logs());
    const final = await statuses();
    check(
      r,
      "all passed",
      final.every((s) => s.status === "passed"),
      `${final.filter((s) => s.status === "passed").length}/${ids.length} passed`,
    );
    const finished = logs
      .join("\n")
      .split("\n")
      .filter((line) => line.includes('"msg":"validation finished"'))
      .map((line) => (JSON.parse(line) as { version_id: number }).version_id);
    check(r, "none recorded twice", new Set(finished).size === finished.length, `${finished.length - new Set(finished).size} duplicates`);
    const archives = await storedKeys(world.rt, "agents/");
    check(r, "one promoted archive per version", archives.length === ids.length, `${archives.length} archives`);
  } catch (error) {
    check(r, "scenario ran", false, error instanceof Error ? error.message : String(error));
  } finally {
    await world.close();
  }
  return r;
}
