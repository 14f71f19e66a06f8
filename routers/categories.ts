import { z } from "zod";
import { category, categoryList, categorySlugInput, createCategoryInput, updateCategoryInput } from "../src/contract/categories.ts";
import * as categories from "../src/services/categories.ts";
import { adminProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["categories"];
const adminTags = ["admin"];

export const categoriesRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: "GET", path: "/categories", tags, summary: "List categories by name" } })
    .input(z.void())
    .output(categoryList)
    .query(({ ctx }) => categories.listCategories(svc(ctx))),

  get: publicProcedure
    .meta({ openapi: { method: "GET", path: "/categories/{slug}", tags, summary: "Get one category" } })
    .input(categorySlugInput)
    .output(category)
    .query(({ ctx, input }) => categories.getCategory(svc(ctx), input)),

  create: adminProcedure
    .meta({ openapi: { method: "POST", path: "/admin/categories", tags: adminTags, summary: "Create a category", protect: true }, status: 201 })
    .input(createCategoryInput)
    .output(category)
    .mutation(({ ctx, input }) => categories.createCategory(svc(ctx), input)),

  update: adminProcedure
    .meta({ openapi: { method: "PUT", path: "/admin/categories/{slug}", tags: adminTags, summary: "Update a category", protect: true } })
    .input(updateCategoryInput)
    .output(category)
    .mutation(({ ctx, input }) => categories.updateCategory(svc(ctx), input)),

  delete: adminProcedure
    .meta({
      openapi: { method: "DELETE", path: "/admin/categories/{slug}", tags: adminTags, summary: "Delete an empty category", protect: true },
      status: 204,
    })
    .input(categorySlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => categories.deleteCategory(svc(ctx), input)),
});
