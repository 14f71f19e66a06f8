import { sql } from "drizzle-orm";
import { users } from "../../../db/schema/index.ts";
import { NotFound } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";
import { withTransaction } from "../context.ts";
import { insertApiToken } from "./api-tokens.ts";

export interface BootstrapAdminInput {
  /** GitHub login of the account to make admin. */
  login: string;
  /** Create the account when it does not exist yet (it links to GitHub at its first login). */
  create: boolean;
}

/**
 * Makes `login` an admin and mints an admin API token for it, so a fresh deployment can be
 * administered without a browser. The token does not expire; revoke it from /auth/tokens.
 */
export async function bootstrapAdmin(ctx: ServiceContext, input: BootstrapAdminInput): Promise<{ userId: number; token: string; created: boolean }> {
  return withTransaction(ctx, async (tx) => {
    const byLogin = sql`lower(${users.username}) = lower(${input.login})`;
    // The operator's word overrides an earlier block or deactivation of this account.
    const promote = { role: "admin" as const, isActive: true, isBlocked: false, blockedReason: null, blockedAt: null };
    let [user] = await tx.db.update(users).set(promote).where(byLogin).returning({ id: users.id });
    let created = false;
    if (!user && input.create) {
      [user] = await tx.db.insert(users).values({ username: input.login, role: "admin" }).returning({ id: users.id });
      created = true;
    }
    if (!user) throw new NotFound(`User '${input.login}' not found; pass --create to create it`);
    const name = `bootstrap-admin ${new Date().toISOString().slice(0, 10)}`;
    const { token } = await insertApiToken(tx.db, { userId: user.id, name, scopes: ["read", "publish", "admin"], expiresAt: null });
    return { userId: user.id, token, created };
  });
}
