import { z } from "zod";
import { exampleUserSummary } from "./examples.ts";
import { text } from "./text.ts";

/** Shapes shared by several domains. */

export const slugParam = text().min(1).max(255).describe("URL slug");

export const agentSlugInput = z.object({ slug: slugParam.describe("Agent slug") });

export const paginationInput = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe("Page size, 1..100"),
  offset: z.coerce.number().int().min(0).default(0).describe("Items to skip"),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
    has_more: z.boolean(),
  });
}

export const timestamp = z.string().describe("RFC 3339 timestamp in UTC");

export const userSummary = z
  .object({
    id: z.number().int().nonnegative(),
    username: z.string(),
    avatar_url: z.string().nullable(),
  })
  .meta({ id: "UserSummary", examples: [exampleUserSummary] });

export type UserSummary = z.infer<typeof userSummary>;
