import { Unauthorized } from "../../errors.ts";
import type { Runtime } from "../../runtime.ts";
import { authenticateBearer } from "./credentials.ts";
import type { Actor } from "../../trpc/context.ts";

/**
 * Turns the Authorization header into an Actor: a session access token or a personal API token.
 * No header is anonymous; a header that does not authenticate is refused (never anonymous).
 */
export async function resolveActor(rt: Runtime, headers: Headers): Promise<Actor | null> {
  const header = headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header);
  if (!match?.[1]) throw new Unauthorized("Authorization header must be 'Bearer <token>'");
  return authenticateBearer(rt, match[1]);
}
