import type { Runtime } from "../src/runtime.ts";
import { deliverWebhookJob } from "./deliver-webhook.ts";
import { validateVersionJob } from "./validate-version.ts";

/**
 * Every background job, one per file in jobs/. Jobs are built from the runtime they run in
 * (database, storage, ...), so the registry is a function; its return type is what makes
 * `rt.queue.enqueue(name, payload)` type-checked.
 */
export function buildJobs(rt: Runtime) {
  return [validateVersionJob(rt), deliverWebhookJob(rt)] as const;
}

export type AppJobs = ReturnType<typeof buildJobs>;
