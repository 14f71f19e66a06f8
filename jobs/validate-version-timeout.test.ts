import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryQueue } from "../src/lib/queue/memory.ts";
import { defineJob, type JobRun } from "../src/lib/queue/queue.ts";
import { systemContextOf } from "../src/runtime.ts";
import type { ServiceContext } from "../src/services/context.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";
import { apiTokenFor } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { waitFor } from "../src/testing/redis-test-support.ts";
import { loopForeverAgent } from "../src/testing/sample-agents.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";
import { processesMatching } from "../src/testing/validation-support.ts";
import { validateVersionJob } from "./validate-version.ts";

for (const mode of TEST_MODES) {
  describe(`a validation that times out [${mode}]`, () => {
    const t = useTestApp(mode);
    let workRoot = "";
    beforeAll(async () => {
      // The sandbox user must reach the work dirs under it.
      workRoot = await mkdtemp(join(tmpdir(), "am-timeout-"));
      await chmod(workRoot, 0o711);
    });
    afterAll(async () => {
      await rm(workRoot, { recursive: true, force: true });
    });

    test("stops its sandbox before the retry starts", async () => {
      const user = await makeUser(t.rt.db.db);
      const category = await makeCategory(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      const attempts: { attempt: number; sandboxesAtStart: number }[] = [];
      let sandboxSeen = false;
      // The real handler's work, under a timeout short enough to hit while the agent spins.
      const job = defineJob({
        ...validateVersionJob,
        retries: 1,
        backoffMs: 0,
        timeoutMs: 4_000,
        handler: async ({ versionId }, run: JobRun<ServiceContext>) => {
          attempts.push({ attempt: run.attempt, sandboxesAtStart: processesMatching(workRoot).length });
          const watching = setInterval(() => {
            if (processesMatching(workRoot).length > 0) sandboxSeen = true;
          }, 50);
          try {
            await validateStoredVersion(run.ctx, versionId, { signal: run.signal, pipeline: { tempParent: workRoot, compatibilityTimeoutMs: 120_000 } });
          } finally {
            clearInterval(watching);
          }
        },
      });
      const queue = createMemoryQueue([job] as const);
      const worker = queue.startWorker({ pollMs: 20, context: () => systemContextOf(t.rt) });
      try {
        // Nobody works the runtime's own queue here; this queue runs the job instead.
        const agent = await publishViaHttp(t.fetch, token, { name: `Spinning Agent ${mode}`, category: category.slug, code: loopForeverAgent() });
        await queue.enqueue("validate-version", { versionId: agent.versions[0]!.id });
        await waitFor("both attempts to end in the dead-letter list", async () => (await queue.stats()).default.dead === 1, {
          timeoutMs: 40_000,
          intervalMs: 100,
        });
      } finally {
        await worker.stop({ graceMs: 5_000 });
        await queue.close();
      }
      expect(sandboxSeen).toBe(true);
      expect(attempts).toEqual([
        { attempt: 1, sandboxesAtStart: 0 },
        { attempt: 2, sandboxesAtStart: 0 },
      ]);
      expect(processesMatching(workRoot)).toEqual([]);
    }, 60_000);
  });
}
