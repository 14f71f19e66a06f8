import { z } from "zod";
import { timestamp } from "./common.ts";
import { exampleUser } from "./examples.ts";
import { text } from "./text.ts";

export const USER_ROLES = ["user", "admin"] as const;

const userRole = z.enum(USER_ROLES);

export const user = z
  .object({
    id: z.number().int().nonnegative(),
    github_id: z.number().int().nonnegative().nullable().describe("Null only for accounts created by bootstrap-admin before their first login"),
    username: z.string(),
    email: z
      .string()
      .nullable()
      .describe("The real address for the user themself and admins; otherwise GitHub's no-reply form `<github_id>+<username>@users.noreply.github.com`"),
    avatar_url: z.string().nullable(),
    bio: z.string().nullable(),
    reputation: z.number().int(),
    role: userRole,
    is_active: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "User", examples: [exampleUser] });

const userStats = z.object({
  agents_published: z.number().int().nonnegative(),
  total_downloads: z.number().int().nonnegative(),
  total_stars: z.number().int().nonnegative(),
});

export const userProfile = user
  .extend({ stats: userStats.describe("Public agents only, unless the viewer is the user or an admin") })
  .meta({ id: "UserProfile" });

export const adminUser = user.extend({ is_blocked: z.boolean(), blocked_reason: z.string().nullable() }).meta({ id: "AdminUser" });

export const adminUserList = z.object({ items: z.array(adminUser), total: z.number().int().nonnegative() });

export const listAdminUsersInput = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(100).describe("Page size, 1..100"),
  offset: z.coerce.number().int().min(0).default(0).describe("Items to skip"),
  search: text().trim().max(200).optional().describe("Case-insensitive match on username or email"),
});

export const userIdInput = z.object({ id: z.coerce.number().int().positive().describe("User id") });

export const updateAdminUserInput = userIdInput.extend({
  role: userRole.optional(),
  bio: text().max(2000).nullish(),
  is_active: z.boolean().optional(),
});

export const blockUserInput = userIdInput.extend({
  blocked_reason: text().trim().min(10).max(500).describe("Shown to the user when they are refused"),
});

export const starredSlugs = z.object({ starred: z.array(z.string()).describe("Slugs of the caller's starred agents, newest star first") });

export type User = z.infer<typeof user>;
export type UserProfile = z.infer<typeof userProfile>;
export type AdminUser = z.infer<typeof adminUser>;
export type ListAdminUsersInput = z.infer<typeof listAdminUsersInput>;
export type UpdateAdminUserInput = z.infer<typeof updateAdminUserInput>;
export type BlockUserInput = z.infer<typeof blockUserInput>;

export const createAdminUserInput = z.object({
  username: text()
    .trim()
    .min(1)
    .max(39)
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/, "A GitHub login: letters, digits and single hyphens, not at either end")
    .describe("The GitHub login of the person; their first GitHub sign-in links the account"),
});

export const createdAdminUser = z
  .object({
    user: adminUser,
    token: z.string().describe("A `read` + `publish` API token for the new account; shown only in this answer"),
    token_id: z.number().int().nonnegative().describe("Its id, to revoke it"),
  })
  .meta({ id: "CreatedUser" });

export type CreateAdminUserInput = z.infer<typeof createAdminUserInput>;
export type CreatedAdminUser = z.infer<typeof createdAdminUser>;
