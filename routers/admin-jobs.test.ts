import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createMemoryQueue } from "../src/lib/queue/memory.ts";
import { defineJob, type Queue } from "../src/lib/queue/queue.ts";
import { createRedisQueue } from "../src/lib/queue/redis.ts";
import type { Runtime } from "../src/runtime.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { waitFor } from "../src/testing/redis-test-support.ts";

/** A job that fails until told otherwise, to fill the dead-letter list for real. */
function flakyRegistry(state: { failing: boolean; runs: number }) {
  return [
    defineJob({
      name: "flaky",
      schema: z.object({ n: z.number() }),
      retries: 2,
      backoffMs: 1,
      handler: async () => {
        state.runs++;
        if (state.failing) throw new Error("still failing");
      },
    }),
  ] as const;
}

for (const mode of TEST_MODES) {
  describe(`admin jobs routes [${mode}]`, () => {
    const t = useTestApp(mode);

    function swapQueue(rt: Runtime, state: { failing: boolean; runs: number }): Queue<ReturnType<typeof flakyRegistry>> {
      const registry = flakyRegistry(state);
      const queue = rt.redis ? createRedisQueue(registry, { redis: rt.redis, prefix: `${rt.env.REDIS_PREFIX}flaky:` }) : createMemoryQueue(registry);
      // The routes read rt.queue; pointing it at a queue with a test job exercises them for real.
      (rt as unknown as { queue: unknown }).queue = queue;
      return queue;
    }

    test("a job failing 3 times is dead-lettered, listed, and runs again after an admin retry", async () => {
      const original = t.rt.queue;
      const state = { failing: true, runs: 0 };
      const queue = swapQueue(t.rt, state);
      const worker = queue.startWorker({ pollMs: 50 });
      try {
        const admin = await makeUser(t.rt.db.db, { role: "admin" });
        const token = await apiTokenFor(t.rt, admin, ["read", "publish", "admin"]);
        const id = await queue.enqueue("flaky", { n: 1 });
        await waitFor("dead-letter", async () => (await queue.stats()).default.dead === 1);
        expect(state.runs).toBe(3);

        const overview = await t.fetch("/api/v1/admin/jobs", { headers: bearer(token) });
        expect(overview.status).toBe(200);
        const body = (await overview.json()) as { queues: Record<string, { dead: number }>; dead: { id: string; error: string; attempts: number }[] };
        expect(body.queues.default?.dead).toBe(1);
        expect(body.dead[0]).toMatchObject({ id, error: expect.stringContaining("still failing"), attempts: 3 });

        state.failing = false;
        const retried = await t.fetch(`/api/v1/admin/jobs/dead/${id}/retry`, { method: "POST", headers: bearer(token) });
        expect(retried.status).toBe(202);
        await waitFor("retried job ran", () => state.runs === 4);
        await waitFor("queue drained", async () => {
          const s = await queue.stats();
          return s.default.dead === 0 && s.default.waiting === 0 && s.default.running === 0;
        });

        const again = await t.fetch(`/api/v1/admin/jobs/dead/${id}/retry`, { method: "POST", headers: bearer(token) });
        expect(again.status).toBe(404);
      } finally {
        await worker.stop({ graceMs: 1000 });
        await queue.close();
        (t.rt as unknown as { queue: unknown }).queue = original;
      }
    });

    test("anonymous 401, non-admin 403", async () => {
      expect((await t.fetch("/api/v1/admin/jobs")).status).toBe(401);
      expect((await t.fetch("/api/v1/admin/jobs/dead/x/retry", { method: "POST" })).status).toBe(401);
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      expect((await t.fetch("/api/v1/admin/jobs", { headers: bearer(token) })).status).toBe(403);
      expect((await t.fetch("/api/v1/admin/jobs/dead/x/retry", { method: "POST", headers: bearer(token) })).status).toBe(403);
    });
  });
}
