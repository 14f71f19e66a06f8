import { z } from "zod";
import { exampleCategory } from "./examples.ts";
import { displayName, text } from "./text.ts";

export const category = z
  .object({
    id: z.number().int().nonnegative(),
    name: z.string(),
    slug: z.string(),
    icon: z.string().nullable(),
    description: z.string().nullable(),
    agent_count: z.number().int().nonnegative().describe("Public agents in this category; always exact"),
  })
  .meta({ id: "Category", examples: [exampleCategory] });

export const categoryList = z.object({
  categories: z.array(category),
  items: z.array(category).describe("The same list as `categories`, for older clients"),
});

export const categorySlugInput = z.object({
  slug: text().min(1).max(100).describe("Category slug"),
});

const categorySlug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/, "Slug may contain only lower-case letters, digits and '-'");

export const createCategoryInput = z.object({
  name: displayName().min(1).max(100),
  slug: categorySlug,
  icon: text().max(50).nullish(),
  description: text().max(2000).nullish(),
});

export const updateCategoryInput = z.object({
  slug: text().min(1).max(100),
  name: displayName().min(1).max(100).optional(),
  icon: text().max(50).nullish(),
  description: text().max(2000).nullish(),
});

export type Category = z.infer<typeof category>;
export type CreateCategoryInput = z.infer<typeof createCategoryInput>;
export type UpdateCategoryInput = z.infer<typeof updateCategoryInput>;
