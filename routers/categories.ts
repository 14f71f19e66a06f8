import { z } from "zod";
import { category, categoryList, categorySlugInput, createCategoryInput, updateCategoryInput } from "../src/contract/categories.ts";
import * as categories from "../src/services/categories.ts";
import { adminProcedure, publicProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["categories"];
const adminTags = ["admin"];

export const categoriesRouter = router({
  list: publicProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/categories",
        tags,
        summary: "List categories by name",
        description: "Every category with its exact count of public agents; `items` repeats `categories` for older clients.",
      },
    })
    .input(z.void())
    .output(categoryList)
    .query(({ ctx }) => categories.listCategories(svc(ctx))),

  get: publicProcedure
    .meta({
      openapi: { method: "GET", path: "/categories/{slug}", tags, summary: "Get one category", description: "By slug, with its exact count of public agents." },
    })
    .input(categorySlugInput)
    .output(category)
    .query(({ ctx, input }) => categories.getCategory(svc(ctx), input)),

  create: adminProcedure
    .meta({
      errors: [409],
      openapi: {
        method: "POST",
        path: "/admin/categories",
        tags: adminTags,
        summary: "Create a category",
        description: "Admins only. 409 when the slug or the name is taken.",
        protect: true,
      },
      status: 201,
    })
    .input(createCategoryInput)
    .output(category)
    .mutation(({ ctx, input }) => categories.createCategory(svc(ctx), input)),

  update: adminProcedure
    .meta({
      errors: [409],
      openapi: {
        method: "PUT",
        path: "/admin/categories/{slug}",
        tags: adminTags,
        summary: "Update a category",
        description: "Admins only. The slug stays as it is; 409 when the new name is taken.",
        protect: true,
      },
    })
    .input(updateCategoryInput)
    .output(category)
    .mutation(({ ctx, input }) => categories.updateCategory(svc(ctx), input)),

  delete: adminProcedure
    .meta({
      errors: [400],
      openapi: {
        method: "DELETE",
        path: "/admin/categories/{slug}",
        tags: adminTags,
        summary: "Delete an empty category",
        description: "Admins only. 400 while agents are in it: move them first.",
        protect: true,
      },
      status: 204,
    })
    .input(categorySlugInput)
    .output(z.void())
    .mutation(({ ctx, input }) => categories.deleteCategory(svc(ctx), input)),
});
