import { Unauthorized } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import type { Actor } from "./context.ts";

/**
 * Turns the Authorization header into an Actor. No credentials exist until the identity
 * issue lands, so any bearer token is refused rather than silently treated as anonymous.
 */
export async function resolveActor(_rt: Runtime, headers: Headers): Promise<Actor | null> {
  const header = headers.get("authorization");
  if (!header) return null;
  throw new Unauthorized("Invalid or expired token");
}
