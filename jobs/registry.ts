import type { JobName } from "../src/contract/jobs.ts";
import { deliverWebhookJob } from "./deliver-webhook.ts";
import { validateVersionJob } from "./validate-version.ts";

/** Every background job, one per file in jobs/; the composition root builds the queue from it. */
export const jobRegistry = [validateVersionJob, deliverWebhookJob] as const;

// Every job the contract names has a definition here (a compile error otherwise).
type Undefined = Exclude<JobName, (typeof jobRegistry)[number]["name"]>;
export const registryIsComplete: [Undefined] extends [never] ? true : never = true;

export type JobRegistry = typeof jobRegistry;
