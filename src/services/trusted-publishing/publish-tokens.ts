import { eq, lt } from "drizzle-orm";
import { publishTokens, usedOidcTokens } from "../../../db/schema/index.ts";
import type { Provenance } from "../../contract/provenance.ts";
import { Unauthorized } from "../../errors.ts";
import type { Executor } from "../../lib/db/db.ts";
import type { TrustedPublisherActor } from "../actor.ts";
import { generateSecret, hashSecret } from "../auth/secrets.ts";
import type { ServiceContext } from "../context.ts";

/** Short-lived publish tokens handed to trusted publishers; recognisable, so no other table is searched. */
const PUBLISH_TOKEN_PREFIX = "ampp_";
export const PUBLISH_TOKEN_TTL_MS = 15 * 60_000;

export function isPublishToken(token: string): boolean {
  return token.startsWith(PUBLISH_TOKEN_PREFIX);
}

export async function issuePublishToken(
  db: Executor,
  values: { agentIds: number[]; provenance: Record<string, Provenance>; expiresAt: Date },
): Promise<{ token: string; id: number }> {
  const token = PUBLISH_TOKEN_PREFIX + generateSecret(32);
  const [row] = await db
    .insert(publishTokens)
    .values({ ...values, tokenHash: hashSecret(token) })
    .returning({ id: publishTokens.id });
  if (!row) throw new Error("insert returned no row");
  return { token, id: row.id };
}

export async function authenticatePublishToken(ctx: ServiceContext, token: string): Promise<TrustedPublisherActor> {
  const [row] = await ctx.db
    .select()
    .from(publishTokens)
    .where(eq(publishTokens.tokenHash, hashSecret(token)));
  if (!row) throw new Unauthorized("Invalid or expired token");
  if (row.expiresAt.getTime() <= Date.now()) throw new Unauthorized("Publish token expired");
  return { kind: "trustedPublisher", tokenId: row.id, agentIds: row.agentIds, provenance: row.provenance };
}

/** What the purge schedule removes: publish tokens and remembered ID-token ids past their expiry. */
export async function purgeExpiredTrustedPublishing(db: Executor): Promise<number> {
  const now = new Date();
  const tokens = await db.delete(publishTokens).where(lt(publishTokens.expiresAt, now)).returning({ id: publishTokens.id });
  const jtis = await db.delete(usedOidcTokens).where(lt(usedOidcTokens.expiresAt, now)).returning({ key: usedOidcTokens.key });
  return tokens.length + jtis.length;
}
