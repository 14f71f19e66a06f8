import { generateCodeVerifier, generateState } from "arctic";
import { eq, lt } from "drizzle-orm";
import { oauthStates } from "../../../db/schema/index.ts";
import { BadRequest } from "../../errors.ts";
import type { ServiceContext } from "../context.ts";

/** OAuth `state` with its PKCE verifier, kept server-side for ten minutes and usable once. */
const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

export interface OAuthState {
  state: string;
  codeVerifier: string;
  redirectUri: string | null;
}

export async function createOAuthState(ctx: ServiceContext, redirectUri: string | null): Promise<OAuthState> {
  const row: OAuthState = { state: generateState(), codeVerifier: generateCodeVerifier(), redirectUri };
  await ctx.db.insert(oauthStates).values({ ...row, expiresAt: new Date(Date.now() + OAUTH_STATE_TTL_MS) });
  return row;
}

/** Deletes the state as it reads it, so two requests racing with one state cannot both succeed. */
export async function consumeOAuthState(ctx: ServiceContext, state: string): Promise<OAuthState> {
  const [row] = await ctx.db.delete(oauthStates).where(eq(oauthStates.state, state)).returning();
  if (!row || row.expiresAt.getTime() <= Date.now()) throw new BadRequest("Invalid or expired OAuth state; start the login again");
  return { state: row.state, codeVerifier: row.codeVerifier, redirectUri: row.redirectUri };
}

export async function purgeExpiredOAuthStates(ctx: ServiceContext): Promise<number> {
  const deleted = await ctx.db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date())).returning({ state: oauthStates.state });
  return deleted.length;
}
