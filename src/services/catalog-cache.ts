import { type Actor, isAdmin } from "./actor.ts";
import type { ServiceContext } from "./context.ts";
import type { Ports } from "./ports.ts";

/**
 * Cached answers of catalog reads (contract section 6): lists and searches live 5 minutes,
 * details 15. Every key carries the catalog's generation, and every write that can change an
 * answer bumps it after its commit (invalidateCatalog), which orphans all older entries at once:
 * no answer is stale after a write has returned. A reader that raced the write may store an old
 * answer, but under the old generation, where nobody looks any more.
 *
 * The cache only accelerates: when it fails, reads are computed from the database and writes
 * still succeed. An invalidation that could not be written makes this process bypass the cache
 * until a later bump gets through, and is recorded as owed in the database: every process polls
 * for it (repairOwedInvalidation), reads past the cache while it is owed, and whichever reaches
 * Redis first bumps and clears it. Every process also bumps when its Redis connection becomes
 * ready (runtime.ts), which covers a Redis restarted with its old entries (persistence).
 */

export const LIST_TTL_SECONDS = 300;
export const DETAIL_TTL_SECONDS = 900;
const GENERATION_KEY = "catalog:generation";
const CATALOG = "catalog";

export interface CachedRead {
  /** Which read (e.g. "search.agents"); part of the key. */
  name: string;
  /** Every input that changes the answer, as validated (so equal inputs serialize equally). */
  input: unknown;
  ttlSeconds: number;
  /** True when the viewer changes what is visible (private agents). */
  perViewer: boolean;
}

interface CacheHealth {
  /** The last bump failed; reads skip the cache until one succeeds. */
  invalidationPending: boolean;
  /** Logged once per outage instead of once per request. */
  failing: boolean;
}

const health = new WeakMap<Ports, CacheHealth>();

function healthOf(ports: Ports): CacheHealth {
  const state = health.get(ports) ?? { invalidationPending: false, failing: false };
  health.set(ports, state);
  return state;
}

/** The answer from the cache, or computed (and stored) when missing or when the cache fails. */
export async function cachedRead<T>(ctx: ServiceContext, read: CachedRead, compute: () => Promise<T>): Promise<T> {
  const ports = ctx.ports;
  const state = healthOf(ports);
  const count = (result: "hit" | "miss" | "bypass" | "error") => ports.metrics.cacheRequests.inc({ read: read.name, result });
  if (state.invalidationPending) {
    await bumpGeneration(ports, { oweOnFailure: false });
    if (state.invalidationPending) {
      count("bypass");
      return compute();
    }
  }
  let key: string;
  try {
    const generation = (await ports.cache.get(GENERATION_KEY)) ?? "0";
    key = `catalog:${generation}:${read.name}:${read.perViewer ? viewerKey(ctx.actor) : "all"}:${JSON.stringify(read.input ?? null)}`;
    const hit = await ports.cache.get(key);
    recovered(ports, state);
    count(hit === null ? "miss" : "hit");
    if (hit !== null) return JSON.parse(hit) as T;
  } catch (err) {
    failed(ports, state, err);
    count("error");
    return compute();
  }
  // After the generation was read: a replica that has caught up now holds every write it covers.
  const replica = ports.readReplica;
  const value = replica && ctx.actor.kind === "anonymous" ? await replica.whenCaughtUp(compute) : await compute();
  ports.cache.set(key, JSON.stringify(value), read.ttlSeconds).catch((err: unknown) => failed(ports, state, err));
  return value;
}

/** Call after the commit of any write that changes what a catalog read could answer. Never throws. */
export function invalidateCatalog(ports: Ports): Promise<void> {
  return bumpGeneration(ports, { oweOnFailure: true });
}

/** A write's bump that fails is owed (in the database); a retry of one already owed is not recorded again. */
async function bumpGeneration(ports: Ports, opts: { oweOnFailure: boolean }): Promise<void> {
  const state = healthOf(ports);
  try {
    await ports.cache.incr(GENERATION_KEY);
    state.invalidationPending = false;
    recovered(ports, state);
  } catch (err) {
    state.invalidationPending = true;
    failed(ports, state, err);
    if (opts.oweOnFailure) await ports.owedInvalidations.owe(CATALOG);
  }
}

/**
 * Run often by every process: a bump owed by any process (or this one) makes this one read past
 * the cache and try the bump; once it lands, the owing is cleared. Never throws.
 */
export async function repairOwedInvalidation(ports: Ports): Promise<void> {
  const state = healthOf(ports);
  const owed = await ports.owedInvalidations.owed(CATALOG).catch(() => null);
  if (owed === null && !state.invalidationPending) return;
  state.invalidationPending = true;
  await bumpGeneration(ports, { oweOnFailure: false });
  if (!state.invalidationPending && owed !== null) await ports.owedInvalidations.settle(CATALOG, owed).catch(() => undefined);
}

/** Private agents make answers differ by viewer: anonymous, each user (their own), admins (all). */
function viewerKey(actor: Actor): string {
  if (isAdmin(actor)) return "admin";
  return actor.kind === "user" || actor.kind === "apiToken" ? `u${actor.user.id}` : "anon";
}

function failed(ports: Ports, state: CacheHealth, err: unknown): void {
  if (state.failing) return;
  state.failing = true;
  ports.logger.warn({ err }, "answer cache unavailable; serving uncached answers");
}

function recovered(ports: Ports, state: CacheHealth): void {
  if (!state.failing) return;
  state.failing = false;
  ports.logger.info("answer cache available again");
}
