import { z } from "zod";
import { defineJob } from "../src/lib/queue/queue.ts";
import type { Runtime } from "../src/runtime.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";

export const VALIDATE_VERSION = "validate-version";

export const validateVersionPayload = z.object({
  versionId: z.number().int().positive().describe("agent_versions.id to validate"),
});

/**
 * Validates one published agent version (contract section 8). Enqueued by publish and by admin
 * revalidate after their transaction commits; a schedule re-enqueues versions stuck in `pending`
 * (services/validation-queue.ts), so a job lost with Redis costs a delay, never a validation.
 * Delivery is at least once: the handler must be idempotent, and a version deleted meanwhile is
 * simply skipped.
 */
export function validateVersionJob(rt: Runtime) {
  return defineJob({
    name: VALIDATE_VERSION,
    schema: validateVersionPayload,
    queue: "default",
    retries: 3,
    backoffMs: 5_000,
    timeoutMs: 10 * 60_000,
    handler: async ({ versionId }, job) => {
      const logger = rt.logger.child({ job_id: job.jobId, version_id: versionId, attempt: job.attempt });
      await validateStoredVersion(rt, versionId, { signal: job.signal, logger });
    },
  });
}
