import { jobPayloads } from "../src/contract/jobs.ts";
import { defineJob, type JobRun } from "../src/lib/queue/queue.ts";
import type { ServiceContext } from "../src/services/context.ts";
import { deliverWebhook, markWebhookFailed } from "../src/services/webhooks.ts";

const RETRIES = 5;

/** POSTs one recorded notification to the user's webhook; the job loop retries failures. */
export const deliverWebhookJob = defineJob({
  name: "deliver-webhook",
  schema: jobPayloads["deliver-webhook"],
  queue: "low",
  retries: RETRIES,
  backoffMs: 2_000,
  timeoutMs: 30_000,
  handler: async ({ deliveryId }, { ctx, signal, attempt }: JobRun<ServiceContext>) => {
    try {
      await deliverWebhook(ctx, deliveryId, signal);
    } catch (error) {
      if (attempt > RETRIES) await markWebhookFailed(ctx, deliveryId);
      throw error;
    }
  },
});
