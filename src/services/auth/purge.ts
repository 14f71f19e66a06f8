import type { ServiceContext } from "../context.ts";
import { purgeExpiredTrustedPublishing } from "../trusted-publishing/publish-tokens.ts";
import { purgeExpiredOAuthStates } from "./oauth-states.ts";
import { purgeExpiredSessions } from "./sessions.ts";

/** What the purge schedule runs: expired sessions, OAuth states, publish tokens and used ID-token ids. */
export async function purgeExpiredAuthState(ctx: ServiceContext): Promise<{ sessions: number; oauthStates: number; trustedPublishing: number }> {
  return {
    sessions: await purgeExpiredSessions(ctx),
    oauthStates: await purgeExpiredOAuthStates(ctx),
    trustedPublishing: await purgeExpiredTrustedPublishing(ctx.db),
  };
}
