import { jobPayloads } from "../src/contract/jobs.ts";
import { defineJob, type JobRun } from "../src/lib/queue/queue.ts";
import type { ServiceContext } from "../src/services/context.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";

/**
 * Validates one published agent version (contract section 8). Enqueued by publish and by admin
 * revalidate after their transaction commits; a schedule re-enqueues versions stuck in `pending`
 * (services/validation/queue.ts), so a job lost with Redis costs a delay, never a validation.
 * Delivery is at least once: the handler must be idempotent, and a version deleted meanwhile is
 * simply skipped.
 */
export const validateVersionJob = defineJob({
  name: "validate-version",
  schema: jobPayloads["validate-version"],
  queue: "default",
  retries: 3,
  backoffMs: 5_000,
  timeoutMs: 10 * 60_000,
  handler: async ({ versionId }, { ctx, signal }: JobRun<ServiceContext>) => {
    await validateStoredVersion(ctx, versionId, { signal });
  },
});
