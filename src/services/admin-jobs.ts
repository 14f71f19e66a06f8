import type { JobsOverview } from "../contract/admin-jobs.ts";
import { NotFound } from "../errors.ts";
import type { Call } from "./context.ts";

export async function getJobsOverview({ ctx }: Call<void>): Promise<JobsOverview> {
  const [queues, dead] = await Promise.all([ctx.rt.queue.stats(), ctx.rt.queue.listDead(undefined, 50)]);
  return {
    queues,
    dead: dead.map((job) => ({
      id: job.id,
      name: job.name,
      queue: job.queue,
      payload: job.payload,
      attempts: job.attempts,
      error: job.error,
      enqueued_at: new Date(job.enqueuedAt).toISOString(),
      failed_at: new Date(job.failedAt).toISOString(),
    })),
  };
}

export async function retryDeadJob({ ctx, input }: Call<{ id: string }>): Promise<{ id: string; status: "queued" }> {
  if (!(await ctx.rt.queue.retryDead(input.id))) throw new NotFound(`Dead job '${input.id}' not found`);
  ctx.logger.info({ job_id: input.id, admin: ctx.actor?.user.id }, "dead job re-queued");
  return { id: input.id, status: "queued" };
}
