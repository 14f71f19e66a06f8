import { z } from "zod";

/**
 * Every background job's name and payload. Producers (services) enqueue by these names and
 * payloads, type-checked; the job definitions in jobs/ take their schemas from here, and the
 * worker parses each payload again before running it.
 */
export const jobPayloads = {
  "validate-version": z.object({ versionId: z.number().int().positive().describe("agent_versions.id to validate") }),
  "deliver-webhook": z.object({ deliveryId: z.number().int().positive().describe("webhook_deliveries.id to POST") }),
} as const;

export type JobName = keyof typeof jobPayloads;

/** What `enqueue(name, payload)` accepts for each job. */
export type JobPayloads = { [N in JobName]: z.input<(typeof jobPayloads)[N]> };
