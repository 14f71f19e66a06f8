import type { JobName } from "../src/contract/jobs.ts";
import { deliverWebhookJob } from "./deliver-webhook.ts";
import { validateVersionJob } from "./validate-version.ts";

/** Every background job, one per file in jobs/; the composition root builds the queue from it. */
export const jobRegistry = [validateVersionJob, deliverWebhookJob] as const;

type Undefined = Exclude<JobName, (typeof jobRegistry)[number]["name"]>;
/** `never` (a compile error where the queue is built) until every job the contract names is here. */
export type JobRegistry = [Undefined] extends [never] ? typeof jobRegistry : never;
