import { z } from "zod";
import { defineJob } from "../src/lib/queue/queue.ts";
import type { Runtime } from "../src/runtime.ts";
import { deliverWebhook, markWebhookFailed } from "../src/services/webhooks.ts";

const RETRIES = 5;

/** POSTs one recorded notification to the user's webhook; the job loop retries failures. */
export function deliverWebhookJob(rt: Runtime) {
  return defineJob({
    name: "deliver-webhook",
    schema: z.object({ deliveryId: z.number().int().positive() }),
    queue: "low",
    retries: RETRIES,
    backoffMs: 2_000,
    timeoutMs: 30_000,
    handler: async ({ deliveryId }, job) => {
      try {
        await deliverWebhook(rt, deliveryId, job.signal);
      } catch (error) {
        if (job.attempt > RETRIES) await markWebhookFailed(rt, deliveryId);
        throw error;
      }
    },
  });
}
