import { z } from "zod";
import {
  adminUser,
  adminUserList,
  blockUserInput,
  createAdminUserInput,
  createdAdminUser,
  listAdminUsersInput,
  updateAdminUserInput,
  userIdInput,
} from "../src/contract/users.ts";
import * as adminUsers from "../src/services/users/admin.ts";
import { createUserWithToken } from "../src/services/users/create.ts";
import { adminProcedure, router } from "../src/trpc/init.ts";
import { svc } from "../src/trpc/service.ts";

const tags = ["admin"];

export const adminUsersRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/users",
        tags,
        summary: "List accounts, newest first",
        description: "Admins only. `search` matches login and email.",
        protect: true,
      },
    })
    .input(listAdminUsersInput)
    .output(adminUserList)
    .query(({ ctx, input }) => adminUsers.listAdminUsers(svc(ctx), input)),

  create: adminProcedure
    .meta({
      errors: [409],
      openapi: {
        method: "POST",
        path: "/admin/users",
        tags,
        summary: "Create an account and a publish token for it",
        description:
          "Admins only. For a person who signs in with GitHub later (the account links to that login at the first sign-in); answers a `read` + `publish` API token, shown once. 409 when the login is taken.",
        protect: true,
      },
      status: 201,
    })
    .input(createAdminUserInput)
    .output(createdAdminUser)
    .mutation(({ ctx, input }) => createUserWithToken(svc(ctx), input)),

  get: adminProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/admin/users/{id}",
        tags,
        summary: "Get one account",
        description: "Admins only. With the real email address and the block state.",
        protect: true,
      },
    })
    .input(userIdInput)
    .output(adminUser)
    .query(({ ctx, input }) => adminUsers.getAdminUser(svc(ctx), input)),

  update: adminProcedure
    .meta({
      errors: [400],
      openapi: {
        method: "PUT",
        path: "/admin/users/{id}",
        tags,
        summary: "Change role, bio or active flag",
        description: "Admins only. 400 when you would remove your own admin role or deactivate yourself.",
        protect: true,
      },
    })
    .input(updateAdminUserInput)
    .output(adminUser)
    .mutation(({ ctx, input }) => adminUsers.updateAdminUser(svc(ctx), input)),

  block: adminProcedure
    .meta({
      errors: [400],
      openapi: {
        method: "POST",
        path: "/admin/users/{id}/block",
        tags,
        summary: "Block an account and revoke its sessions and tokens",
        description: "Admins only. Every session and token of the account stops working at once; admins cannot be blocked (400).",
        protect: true,
      },
    })
    .input(blockUserInput)
    .output(adminUser)
    .mutation(({ ctx, input }) => adminUsers.blockUser(svc(ctx), input)),

  unblock: adminProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/admin/users/{id}/unblock",
        tags,
        summary: "Lift a block",
        description: "Admins only. The account can sign in again.",
        protect: true,
      },
    })
    .input(userIdInput)
    .output(adminUser)
    .mutation(({ ctx, input }) => adminUsers.unblockUser(svc(ctx), input)),

  delete: adminProcedure
    .meta({
      errors: [400],
      openapi: {
        method: "DELETE",
        path: "/admin/users/{id}",
        tags,
        summary: "Delete an account with its agents, reviews and stars",
        description: "Admins only. Admins cannot be deleted (400).",
        protect: true,
      },
      status: 204,
    })
    .input(userIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => adminUsers.deleteUser(svc(ctx), input)),
});
