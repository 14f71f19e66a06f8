import type { ServiceContext } from "../context.ts";
import { purgeExpiredOAuthStates } from "./oauth-states.ts";
import { purgeExpiredSessions } from "./sessions.ts";

/** What the purge schedule runs: expired sessions and expired OAuth states. */
export async function purgeExpiredAuthState(ctx: ServiceContext): Promise<{ sessions: number; oauthStates: number }> {
  return { sessions: await purgeExpiredSessions(ctx), oauthStates: await purgeExpiredOAuthStates(ctx) };
}
