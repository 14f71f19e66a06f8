import { z } from "zod";
import { jobsOverview, retryDeadInput } from "../src/contract/admin-jobs.ts";
import { getJobsOverview, retryDeadJob } from "../src/services/admin-jobs.ts";
import { adminProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["admin"];

export const adminJobsRouter = router({
  overview: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/jobs",
        tags,
        summary: "Queue depths, running, delayed and dead-lettered jobs",
        description: "Admins only. Per queue: waiting, running, delayed and dead-lettered counts.",
        protect: true,
      },
    })
    .input(z.void())
    .output(jobsOverview)
    .query(({ ctx }) => getJobsOverview(svc(ctx))),

  retryDead: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/admin/jobs/dead/{id}/retry",
        tags,
        summary: "Put a dead-lettered job back on its queue",
        description: "Admins only. 404 when no dead-lettered job has that id.",
        protect: true,
      },
      status: 202,
    })
    .input(retryDeadInput)
    .output(z.object({ id: z.string(), status: z.literal("queued") }))
    .mutation(({ ctx, input }) => retryDeadJob(svc(ctx), input)),
});
