import type { GenerationalBytes, GenerationalRead } from "../lib/cache/cache.ts";
import { type Actor, isAdmin, userIdOf } from "./actor.ts";
import { hasHiddenAgents } from "./agents/queries.ts";
import type { ServiceContext } from "./context.ts";
import type { Ports } from "./ports.ts";

/**
 * Cached answers of catalog reads (contract section 6): lists and searches live 5 minutes,
 * details 15. Every key carries the catalog's generation, and every write that can change an
 * answer bumps it after its commit (invalidateCatalog), which orphans all older entries at once:
 * no answer is stale after a write has returned. A reader that raced the write may store an old
 * answer, but under the old generation, where nobody looks any more.
 *
 * Volatile counters (downloads, stars, ratings) have a generation of their own
 * (invalidateCounters). Keys of this module's reads name both; the REST answer cache
 * (catalog-answers.ts) names only the catalog's and refreshes the counts in an entry instead, so
 * a download does not evict a search.
 *
 * Public answers are shared by every viewer who sees no more than the public: anonymous callers
 * and signed-in users without private or quarantined agents of their own.
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
const COUNTERS_KEY = "catalog:counters";
/** Both generations, in the order every lookup reads them. */
const GENERATION_KEYS = [GENERATION_KEY, COUNTERS_KEY] as const;
const ENTRY_PREFIX = "catalog:";
/** The name owed invalidations are recorded under (owed_invalidations). */
const CATALOG = "catalog";

export interface CachedRead {
  /** Which read (e.g. "search.agents"); part of the key. */
  name: string;
  /** Every input that changes the answer, as validated (so equal inputs serialize equally). */
  input: unknown;
  ttlSeconds: number;
  /** True when the viewer changes what is visible (private agents). */
  perViewer: boolean;
  /** False when the answer neither shows nor depends on downloads, stars or ratings (kept across their changes). */
  counters?: boolean;
}

interface CacheHealth {
  /** The last bump failed; reads skip the cache until one succeeds. */
  invalidationPending: boolean;
  /** Logged once per outage instead of once per request. */
  failing: boolean;
  /** Computations in flight by key: concurrent misses of one answer compute it once. */
  inFlight: Map<string, Promise<unknown>>;
}

const health = new WeakMap<Ports, CacheHealth>();

function healthOf(ports: Ports): CacheHealth {
  const state = health.get(ports) ?? { invalidationPending: false, failing: false, inFlight: new Map() };
  health.set(ports, state);
  return state;
}

/** The answer from the cache, or computed (and stored) when missing or when the cache fails. */
export async function cachedRead<T>(ctx: ServiceContext, read: CachedRead, compute: () => Promise<T>): Promise<T> {
  const viewer = read.perViewer ? await viewerKey(ctx) : "all";
  if (viewer === null) return compute();
  const suffix = `:${read.name}:${viewer}:${JSON.stringify(read.input ?? null)}`;
  const named = read.counters === false ? 1 : GENERATION_KEYS.length;
  const found = await lookupCatalog(ctx.ports, read.name, suffix, named);
  if (found === null) return compute();
  if (found.value !== null) return JSON.parse(found.value) as T;
  const generations = found.generations.slice(0, named);
  const key = generations.join(".") + suffix;
  const state = healthOf(ctx.ports);
  const running = state.inFlight.get(key);
  if (running) return running as Promise<T>;
  // After the generations were read: a replica that has caught up now holds every write they cover.
  const replica = ctx.ports.readReplica;
  const fresh = replica && ctx.actor.kind === "anonymous" ? () => replica.whenCaughtUp(compute) : compute;
  const computing = fresh().finally(() => state.inFlight.delete(key));
  state.inFlight.set(key, computing);
  const value = await computing;
  storeCatalog(ctx.ports, generations, suffix, JSON.stringify(value), read.ttlSeconds);
  return value;
}

/**
 * An entry under the current generations (its key names the first `named` of catalog, counters),
 * with the generations read in the same round trip. Null when the cache must be bypassed.
 */
function lookupCatalog(ports: Ports, read: string, suffix: string, named: number): Promise<GenerationalRead | null> {
  return lookup(ports, read, () => ports.cache.readGenerational(GENERATION_KEYS, ENTRY_PREFIX, suffix, named));
}

/** lookupCatalog with the entry as bytes where the cache keeps bytes: for entries sent on as they are. */
export function lookupCatalogBytes(ports: Ports, read: string, suffix: string, named: number): Promise<GenerationalBytes | null> {
  return lookup(ports, read, () => ports.cache.readGenerationalBytes(GENERATION_KEYS, ENTRY_PREFIX, suffix, named));
}

async function lookup<T extends { value: unknown }>(ports: Ports, read: string, readEntry: () => Promise<T>): Promise<T | null> {
  const state = healthOf(ports);
  const count = (result: "hit" | "miss" | "bypass" | "error") => ports.metrics.cacheRequests.inc({ read, result });
  if (state.invalidationPending) {
    await bumpGeneration(ports, GENERATION_KEY, { oweOnFailure: false });
    if (state.invalidationPending) {
      count("bypass");
      return null;
    }
  }
  try {
    const found = await readEntry();
    recovered(ports, state);
    count(found.value === null ? "miss" : "hit");
    return found;
  } catch (err) {
    failed(ports, state, err);
    count("error");
    return null;
  }
}

/** Stores an entry under the generations read BEFORE its answer was computed. Never throws. */
export function storeCatalog(ports: Ports, generations: readonly string[], suffix: string, value: string, ttlSeconds: number): void {
  const state = healthOf(ports);
  ports.cache.set(`${ENTRY_PREFIX}${generations.join(".")}${suffix}`, value, ttlSeconds).catch((err: unknown) => failed(ports, state, err));
}

/** Call after the commit of any write that changes what a catalog read could answer. Never throws. */
export function invalidateCatalog(ports: Ports): Promise<void> {
  return bumpGeneration(ports, GENERATION_KEY, { oweOnFailure: true });
}

/**
 * Call after the commit of a write that changes only downloads, stars or ratings. Answers that
 * show them refresh their counts; those ordered or filtered by them are recomputed. Never throws.
 */
export function invalidateCounters(ports: Ports): Promise<void> {
  return bumpGeneration(ports, COUNTERS_KEY, { oweOnFailure: true });
}

/** A write's bump that fails is owed (in the database); a retry of one already owed is not recorded again. */
async function bumpGeneration(ports: Ports, key: string, opts: { oweOnFailure: boolean }): Promise<void> {
  const state = healthOf(ports);
  try {
    await ports.cache.incr(key);
    // A failed bump of either kind is owed as a catalog bump, which orphans every entry.
    if (state.invalidationPending && key !== GENERATION_KEY) await ports.cache.incr(GENERATION_KEY);
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
  await bumpGeneration(ports, GENERATION_KEY, { oweOnFailure: false });
  if (!state.invalidationPending && owed !== null) await ports.owedInvalidations.settle(CATALOG, owed).catch(() => undefined);
}

/**
 * Whose view an answer is: "admin" (everything), "all" (the public: anonymous callers and users
 * without private or quarantined agents), or one user's own. Null when the cache must be bypassed.
 */
export async function viewerKey(ctx: ServiceContext): Promise<string | null> {
  const actor: Actor = ctx.actor;
  if (isAdmin(actor)) return "admin";
  const userId = userIdOf(actor);
  if (userId === null) return "all";
  const suffix = `:hidden:u${userId}`;
  const found = await lookupCatalog(ctx.ports, "viewer", suffix, 1);
  if (found === null) return null;
  let hidden = found.value;
  if (hidden === null) {
    hidden = (await hasHiddenAgents(ctx.db, userId)) ? "1" : "0";
    storeCatalog(ctx.ports, found.generations.slice(0, 1), suffix, hidden, LIST_TTL_SECONDS);
  }
  return hidden === "1" ? `u${userId}` : "all";
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
