import type { Logger } from "../lib/logger.ts";
import type { Database } from "../lib/db/db.ts";
import type { Runtime } from "../runtime.ts";
import type { Actor } from "../services/context.ts";
import { resolveActor } from "../services/auth/bearer.ts";

export type { Actor };

/** Facts about the HTTP request that procedures and error mapping need. */
export interface RequestFacts {
  requestId: string;
  ip: string;
  headers: Headers;
  /** Input keys that came from the URL path (REST), so 422s can say `loc: ["path", ...]`. */
  pathParams: readonly string[];
  /** The actor when the HTTP layer already resolved it (rate limiting), so it is looked up once. */
  actor?: Promise<Actor | null>;
}

export interface Context {
  rt: Runtime;
  db: Database;
  logger: Logger;
  requestId: string;
  ip: string;
  headers: Headers;
  pathParams: readonly string[];
  actor: Actor | null;
}

/** Builds a context without HTTP: used by the HTTP adapters, the test caller and scripts. */
export async function createContext(rt: Runtime, facts: RequestFacts): Promise<Context> {
  const logger = rt.logger.child({ request_id: facts.requestId });
  const actor = await (facts.actor ?? resolveActor(rt, facts.headers));
  return {
    rt,
    db: rt.db.db,
    logger,
    requestId: facts.requestId,
    ip: facts.ip,
    headers: facts.headers,
    pathParams: facts.pathParams,
    actor,
  };
}
