import { Unauthorized } from "../../errors.ts";
import { type Actor, ANONYMOUS } from "../actor.ts";
import type { ServiceContext } from "../context.ts";
import { authenticateBearer } from "./credentials.ts";

/**
 * Turns an Authorization header into an Actor: a session access token or a personal API token.
 * No header is anonymous; a header that does not authenticate is refused (never anonymous).
 */
export async function resolveActor(ctx: ServiceContext, authorization: string | null): Promise<Actor> {
  if (authorization === null) return ANONYMOUS;
  const match = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(authorization);
  if (!match?.[1]) throw new Unauthorized("Authorization header must be 'Bearer <token>'");
  return authenticateBearer(ctx, match[1]);
}
