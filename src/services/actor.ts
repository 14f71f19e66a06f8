import type { Provenance } from "../contract/provenance.ts";
import type { ApiTokenScope } from "../contract/tokens.ts";

/**
 * Who is calling a service. Plain data that imports only the contract, so the tRPC context that
 * carries it stays a small type (the client's emitted declarations include it).
 */

export type TokenScope = ApiTokenScope;

export interface ActorUser {
  id: number;
  username: string;
  role: "user" | "admin";
}

/** A person signed in with a session (web, CLI login). Sessions carry every scope of the role. */
export interface SessionActor {
  kind: "user";
  user: ActorUser;
  sessionId: number;
  scopes: readonly TokenScope[];
}

/** A person acting through a personal API token (SDK, CLI, CI), limited to its scopes. */
interface ApiTokenActor {
  kind: "apiToken";
  user: ActorUser;
  tokenId: number;
  scopes: readonly TokenScope[];
}

/** Work nobody asked for in a request: jobs, schedules, operator scripts. */
export interface SystemActor {
  kind: "system";
}

export interface AnonymousActor {
  kind: "anonymous";
}

/**
 * A CI workflow holding a token from POST /auth/oidc/token (trusted publishing): it may publish
 * new versions of these agents and nothing else; it is nobody, so it sees what anonymous sees.
 */
export interface TrustedPublisherActor {
  kind: "trustedPublisher";
  tokenId: number;
  agentIds: readonly number[];
  /** What each agent's new versions record, by agent id. */
  provenance: Readonly<Record<string, Provenance>>;
}

/** A caller that is a person: what authenticated routes see. */
export type Caller = SessionActor | ApiTokenActor;
export type Actor = Caller | SystemActor | AnonymousActor | TrustedPublisherActor;

export const PUBLISH_ONLY_MESSAGE = "This token can only publish new versions of the agents it was issued for";

export const ANONYMOUS: AnonymousActor = { kind: "anonymous" };
export const SYSTEM: SystemActor = { kind: "system" };

export function isCaller(actor: Actor): actor is Caller {
  return actor.kind === "user" || actor.kind === "apiToken";
}

export function userIdOf(actor: Actor): number | null {
  return isCaller(actor) ? actor.user.id : null;
}

/** The one scope rule: a `read` token may look but never change anything. */
export function mayChange(actor: Caller): boolean {
  return actor.scopes.some((s) => s === "publish" || s === "admin");
}

export const READ_ONLY_MESSAGE = "This token's scopes do not allow changes";

/**
 * Admin powers over other people's things: the system, or an admin acting with the `admin` scope.
 * An admin's `read` or `publish` token (the one given to CI) is an ordinary user's token.
 */
export function isAdmin(actor: Actor): boolean {
  return actor.kind === "system" || (isCaller(actor) && actor.user.role === "admin" && actor.scopes.includes("admin"));
}
