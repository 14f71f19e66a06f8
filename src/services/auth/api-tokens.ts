import { and, desc, eq, isNull } from "drizzle-orm";
import { type ApiToken as ApiTokenRow, apiTokens } from "../../../db/schema/index.ts";
import type { ApiTokenInfo, ApiTokenScope, CreateApiTokenInput, CreatedApiToken } from "../../contract/tokens.ts";
import { Forbidden, NotFound } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { AuthedContext } from "../context.ts";
import { API_TOKEN_PREFIX, generateSecret, hashSecret } from "./secrets.ts";

/** Characters of the secret kept in clear (`amp_` + 8), enough to tell tokens apart and no more. */
const SHOWN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function listApiTokens(ctx: AuthedContext): Promise<{ items: ApiTokenInfo[] }> {
  const rows = await ctx.db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, ctx.actor.user.id), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return { items: rows.map(toApiTokenInfo) };
}

export async function createApiToken(ctx: AuthedContext, input: CreateApiTokenInput): Promise<CreatedApiToken> {
  const scopes = [...new Set(input.scopes)];
  if (scopes.includes("admin") && ctx.actor.user.role !== "admin") throw new Forbidden("Only admins can create tokens with the admin scope");
  // A token may mint tokens, but never one that can do more than itself.
  const beyond = scopes.filter((s) => !ctx.actor.scopes.includes(s));
  if (beyond.length > 0) throw new Forbidden(`This token cannot grant scopes it does not have: ${beyond.join(", ")}`);
  const expiresAt = input.expires_in_days ? new Date(Date.now() + input.expires_in_days * DAY_MS) : null;
  const { row, token } = await insertApiToken(ctx.db, { userId: ctx.actor.user.id, name: input.name, scopes, expiresAt });
  return { id: row.id, token, name: row.name, scopes: row.scopes, prefix: row.prefix, expires_at: row.expiresAt?.toISOString() ?? null };
}

/** Writes a token and hands back its secret, which is never stored. Also used by bootstrap-admin. */
export async function insertApiToken(
  db: Executor,
  values: { userId: number; name: string; scopes: ApiTokenScope[]; expiresAt: Date | null },
): Promise<{ row: ApiTokenRow; token: string }> {
  const token = API_TOKEN_PREFIX + generateSecret(32);
  const [row] = await db
    .insert(apiTokens)
    .values({ ...values, tokenHash: hashSecret(token), prefix: token.slice(0, SHOWN_PREFIX_LENGTH) })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return { row, token };
}

export async function revokeApiToken(ctx: AuthedContext, input: { id: number }): Promise<void> {
  const revoked = await ctx.db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, input.id), eq(apiTokens.userId, ctx.actor.user.id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (revoked.length === 0) throw new NotFound(`API token ${input.id} not found`);
}

export async function revokeUserApiTokens(db: Executor, userId: number): Promise<void> {
  await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
}

function toApiTokenInfo(row: ApiTokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
  };
}
