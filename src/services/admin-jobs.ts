import type { JobsOverview } from "../contract/admin-jobs.ts";
import { NotFound } from "../errors.ts";
import { userIdOf } from "./actor.ts";
import type { ServiceContext } from "./context.ts";

export async function getJobsOverview(ctx: ServiceContext): Promise<JobsOverview> {
  const [queues, dead] = await Promise.all([ctx.ports.queue.stats(), ctx.ports.queue.listDead(undefined, 50)]);
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

export async function retryDeadJob(ctx: ServiceContext, input: { id: string }): Promise<{ id: string; status: "queued" }> {
  if (!(await ctx.ports.queue.retryDead(input.id))) throw new NotFound(`Dead job '${input.id}' not found`);
  ctx.logger.info({ job_id: input.id, admin: userIdOf(ctx.actor) }, "dead job re-queued");
  return { id: input.id, status: "queued" };
}
