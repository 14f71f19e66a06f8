import { z } from "zod";
import { agentSummary } from "./agents.ts";
import { agentSlugInput, slugParam } from "./common.ts";
import { displayName, text } from "./text.ts";
import { validationStatus } from "./validation.ts";

export const adminAgent = agentSummary
  .extend({ storage_key: z.string().nullable().describe("Object key (or external http(s) URL) of the current version") })
  .meta({ id: "AdminAgent" });

export const adminAgentList = z.object({ items: z.array(adminAgent), total: z.number().int().nonnegative() });

export const listAdminAgentsInput = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("Page size, 1..500"),
  offset: z.coerce.number().int().min(0).default(0),
  category: text().trim().min(1).max(100).optional().describe('Category slug; "uncategorized" for agents without one'),
});

export const adminUpdateAgentInput = agentSlugInput.extend({
  name: displayName().min(3).max(255).optional(),
  description: text().trim().min(10).max(10_000).optional(),
  category: text().trim().min(1).max(100).optional().describe('Slug or name, case-insensitive; "uncategorized" removes it'),
  is_public: z.boolean().optional(),
  is_validated: z.boolean().optional(),
  storage_key: text().trim().min(1).max(2000).optional().describe("Replaces the current version's object key, or points it at an external http(s) URL"),
});

export const bulkCategoryInput = z.object({
  agent_slugs: z.array(slugParam).min(1).max(1000),
  new_category: text().trim().min(1).max(100).describe('Slug or name, case-insensitive; "uncategorized" removes it'),
});

export const bulkCategoryResult = z.object({ updated: z.number().int().nonnegative().describe("Agents found and moved") });

export const revalidateInput = agentSlugInput.extend({
  version: text().min(1).max(100).optional().describe("Defaults to the current version"),
});

export const revalidateAccepted = z.object({
  agent_slug: z.string(),
  version: z.string(),
  validation_status: validationStatus,
  message: z.string(),
});

export type AdminAgent = z.infer<typeof adminAgent>;
export type ListAdminAgentsInput = z.infer<typeof listAdminAgentsInput>;
export type AdminUpdateAgentInput = z.infer<typeof adminUpdateAgentInput>;
export type BulkCategoryInput = z.infer<typeof bulkCategoryInput>;
export type RevalidateInput = z.infer<typeof revalidateInput>;
export type RevalidateAccepted = z.infer<typeof revalidateAccepted>;
