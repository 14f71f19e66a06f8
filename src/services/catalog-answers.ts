import { countersOf } from "./agents/queries.ts";
import { lookupCatalogBytes, storeCatalog } from "./catalog-cache.ts";
import type { ServiceContext } from "./context.ts";
import type { Ports } from "./ports.ts";

/**
 * Whole answers of catalog reads, kept as the bytes that were sent and their ETag, so a hit is
 * served without parsing, validating or serializing anything (the REST host's fast path).
 *
 * An entry's key names the catalog generation only, unless the answer is ordered or filtered by
 * downloads, stars or ratings. The counts an entry shows are stamped with the counters
 * generation they were read under; when that generation has moved on (a download, star or review
 * since), the hit re-reads the counts of its agents (one primary-key query), rewrites the entry
 * and answers with the exact counts: the search is not recomputed, and not evicted.
 *
 * Entry: `<counters generation>\n<etag>\n<agent ids, comma-separated>\n<body>`. JSON.stringify never
 * writes a raw newline, so the body is the rest of the entry.
 */

export interface AnswerRead {
  /** The procedure answered (e.g. "agents.get"), the metrics' read label. */
  name: string;
  /** The request as the cache sees it: viewer, route and query, e.g. "all:/agents?limit=20". */
  key: string;
  ttlSeconds: number;
  /** True when the order or the filter depends on downloads, stars or ratings. */
  orderedByCounters: boolean;
}

/** Where a computed answer goes: the generations read before it was computed. */
export interface AnswerSlot {
  suffix: string;
  generations: string[];
  named: number;
  ttlSeconds: number;
}

export interface CachedAnswer {
  etag: string;
  /** As sent the first time: bytes when the cache keeps bytes (Redis), never decoded on a hit. */
  body: string | Uint8Array;
}

/** The cached answer (counts made current), and the slot a computed one is stored in; slot null = cache bypassed. */
export async function findAnswer(ctx: ServiceContext, read: AnswerRead): Promise<{ answer: CachedAnswer | null; slot: AnswerSlot | null }> {
  const suffix = `:answer:${read.key}`;
  const named = read.orderedByCounters ? 2 : 1;
  const found = await lookupCatalogBytes(ctx.ports, read.name, suffix, named);
  if (found === null) return { answer: null, slot: null };
  const slot = { suffix, generations: found.generations, named, ttlSeconds: read.ttlSeconds };
  if (found.value === null) return { answer: null, slot };
  const entry = parseEntry(found.value);
  const counters = found.generations[1]!;
  if (entry.ids === "" || entry.counters === counters) return { answer: { etag: entry.etag, body: entry.body }, slot };
  const body = await withCurrentCounters(ctx, typeof entry.body === "string" ? entry.body : Buffer.from(entry.body).toString());
  keepAnswer(ctx.ports, slot, body);
  return { answer: { etag: answerEtag(body), body }, slot };
}

/** Stores a computed answer (its bytes as sent). Never throws. */
export function keepAnswer(ports: Ports, slot: AnswerSlot, body: string): void {
  const ids = agentsIn(JSON.parse(body)).map((agent) => agent.id);
  const entry = `${slot.generations[1]}\n${answerEtag(body)}\n${ids.join(",")}\n${body}`;
  storeCatalog(ports, slot.generations.slice(0, slot.named), slot.suffix, entry, slot.ttlSeconds);
}

/** The ETag of a JSON answer (contract section 1): a hash of its bytes. */
export function answerEtag(body: string): string {
  return `W/"${Bun.hash(body).toString(16)}"`;
}

const NEWLINE = 10;

function parseEntry(value: string | Uint8Array): { counters: string; etag: string; ids: string; body: string | Uint8Array } {
  if (typeof value === "string") {
    const a = value.indexOf("\n");
    const b = value.indexOf("\n", a + 1);
    const c = value.indexOf("\n", b + 1);
    return { counters: value.slice(0, a), etag: value.slice(a + 1, b), ids: value.slice(b + 1, c), body: value.slice(c + 1) };
  }
  // The three header lines are ASCII (digits, the ETag, ids); the body is left as bytes.
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const a = bytes.indexOf(NEWLINE);
  const b = bytes.indexOf(NEWLINE, a + 1);
  const c = bytes.indexOf(NEWLINE, b + 1);
  const text = (from: number, to: number) => bytes.toString("latin1", from, to);
  return { counters: text(0, a), etag: text(a + 1, b), ids: text(b + 1, c), body: bytes.subarray(c + 1) };
}

interface AgentCounts {
  id: number;
  downloads: number;
  stars: number;
  rating: number;
}

async function withCurrentCounters(ctx: ServiceContext, body: string): Promise<string> {
  const parsed: unknown = JSON.parse(body);
  const agents = agentsIn(parsed);
  const current = await countersOf(ctx.db, [...new Set(agents.map((agent) => agent.id))]);
  for (const agent of agents) {
    const now = current.get(agent.id);
    if (!now) continue; // deleted since: a delete bumps the catalog generation, so this entry is already orphaned
    agent.downloads = now.downloads;
    agent.stars = now.stars;
    agent.rating = now.rating;
  }
  return JSON.stringify(parsed);
}

/** Every agent summary inside an answer (lists, searches, details), found by its counter fields. */
function agentsIn(value: unknown, found: AgentCounts[] = []): AgentCounts[] {
  if (Array.isArray(value)) {
    for (const item of value) agentsIn(item, found);
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.id === "number" && "downloads" in record && "stars" in record && "rating" in record) found.push(record as unknown as AgentCounts);
    for (const child of Object.values(record)) if (child !== null && typeof child === "object") agentsIn(child, found);
  }
  return found;
}
