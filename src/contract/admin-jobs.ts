import { z } from "zod";
import { text } from "./text.ts";

const queueCounts = z.object({
  waiting: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  delayed: z.number().int().nonnegative(),
  dead: z.number().int().nonnegative(),
});

const deadJob = z.object({
  id: z.string(),
  name: z.string(),
  queue: z.string(),
  payload: z.unknown(),
  attempts: z.number().int().nonnegative(),
  error: z.string(),
  enqueued_at: z.string(),
  failed_at: z.string(),
});

export const jobsOverview = z.object({
  queues: z.record(z.string(), queueCounts).describe("Depth, running, delayed and dead-lettered jobs per queue"),
  dead: z.array(deadJob).describe("The newest dead-lettered jobs (at most 50), to inspect and retry"),
});

export const retryDeadInput = z.object({ id: text().min(1).max(100) });

export type JobsOverview = z.infer<typeof jobsOverview>;
