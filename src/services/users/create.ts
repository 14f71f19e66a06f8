import { users } from "../../../db/schema/index.ts";
import type { CreateAdminUserInput, CreatedAdminUser } from "../../contract/users.ts";
import { Conflict } from "../../errors.ts";
import { isUniqueViolation } from "../../lib/db/errors.ts";
import { insertApiToken } from "../auth/api-tokens.ts";
import { invalidateCatalog } from "../catalog-cache.ts";
import type { AuthedContext } from "../context.ts";
import { withTransaction } from "../context.ts";
import { toAdminUser } from "./users.ts";

/**
 * An account made by an admin for a person who signs in with GitHub later (private registries,
 * evaluation without an OAuth app): it has no GitHub id until that first sign-in claims it by
 * login, and it gets a `read` + `publish` token to start with.
 */
export async function createUserWithToken(ctx: AuthedContext, input: CreateAdminUserInput): Promise<CreatedAdminUser> {
  let created: CreatedAdminUser;
  try {
    created = await withTransaction(ctx, async (tx) => {
      const [row] = await tx.db.insert(users).values({ username: input.username, role: "user" }).returning();
      if (!row) throw new Error("insert returned no row");
      const name = `created by ${ctx.actor.user.username} ${new Date().toISOString().slice(0, 10)}`;
      const { row: token, token: secret } = await insertApiToken(tx.db, { userId: row.id, name, scopes: ["read", "publish"], expiresAt: null });
      return { user: toAdminUser(row), token: secret, token_id: token.id };
    });
  } catch (error) {
    if (isUniqueViolation(error, "users_username_lower_unique")) throw new Conflict(`A user with the login '${input.username}' already exists`);
    throw error;
  }
  // The new account counts in /stats.
  await invalidateCatalog(ctx.ports);
  return created;
}
