import { sql } from "drizzle-orm";
import type { Executor } from "../../lib/db/db.ts";
import { quotedPrefix, type SearchText, wordsOf } from "./text.ts";
import { expandWords } from "./vocabulary.ts";

/**
 * How a search becomes tsqueries. Agents are indexed with their name under the 'simple'
 * configuration (weight A) and their description under 'english' (weight B), so each piece of
 * the query is looked up in both forms, as a prefix while it is being typed, and by its English
 * stem when it is a long word (summarizing finds Summarizer).
 *
 * PostgreSQL itself turns every piece into lexemes (plainto_tsquery, or to_tsquery inside quotes
 * the text cannot close), so no input is a tsquery syntax error and `%`, `_` are plain
 * characters. The lexemes come back as tsquery text and are combined here without duplicates:
 * the planner then estimates the GIN scan right instead of choosing a sequential scan.
 */

const STEM_PREFIX_MIN_LENGTH = 5;

export interface MatchQueries {
  /** tsquery text: every piece matches (as written, prefix, stem, or one of its vocabulary words). */
  all: string;
  /** Any piece as written (or as prefix/stem): the main rank. */
  exact: string;
  /** Any vocabulary word (typo correction, completion): ranked lower. Null when there is none. */
  fuzzy: string | null;
  /**
   * What to try when `all` finds nothing, narrowest first: with three pieces or more, any two of
   * them (a long query rarely means its single most common word); then any piece.
   */
  relaxed: string[];
  /** Each piece's own query (as written or as its vocabulary words), in order; stop words left out. */
  pieces: string[];
  /** The vocabulary words, by query word (suggestions use them too). */
  alternatives: Map<string, string[]>;
}

interface ChunkForms {
  forms: string[];
  /** An English stop word, not being typed: the description's vector never holds it. */
  stopWord: boolean;
}

export async function buildMatchQueries(db: Executor, search: SearchText): Promise<MatchQueries> {
  const [chunks, alternatives] = await Promise.all([chunkForms(db, search), expandWords(db, search)]);
  const all: string[] = [];
  const exact = new Set<string>();
  const fuzzy = new Set<string>();
  search.chunks.forEach((chunk, i) => {
    const written = chunks[i] ?? { forms: [], stopWord: true };
    const alts = wordsOf(chunk).flatMap((word) => alternatives.get(word) ?? []);
    for (const form of written.forms) exact.add(form);
    for (const form of alts.flatMap((a) => a.forms)) fuzzy.add(form);
    const either = anyOf([...written.forms, ...alts.flatMap((a) => a.forms)]);
    if (!written.stopWord && either !== "") all.push(either);
  });
  for (const form of exact) fuzzy.delete(form);
  const exactQuery = anyOf([...exact]);
  const fuzzyQuery = fuzzy.size > 0 ? anyOf([...fuzzy]) : null;
  const pairs = all.flatMap((a, i) => all.slice(i + 1).map((b) => `( ${a} ) & ( ${b} )`));
  return {
    all: all.length > 0 ? all.map((q) => `( ${q} )`).join(" & ") : exactQuery,
    exact: exactQuery,
    fuzzy: fuzzyQuery,
    relaxed: [...(all.length > 2 ? [anyOf(pairs)] : []), ...(all.length > 1 ? [fuzzyQuery ? `${exactQuery} | ${fuzzyQuery}` : exactQuery] : [])],
    pieces: all,
    alternatives: new Map([...alternatives].map(([word, alts]) => [word, alts.map((a) => a.term)])),
  };
}

/** Each piece's lexemes in both configurations (and prefix forms), as PostgreSQL parses them. */
async function chunkForms(db: Executor, search: SearchText): Promise<ChunkForms[]> {
  if (search.chunks.length === 0) return [];
  const last = search.chunks.length - 1;
  const rows = search.chunks.map((chunk, i) => {
    const typing = search.typing && i === last;
    const quoted = quotedPrefix(chunk);
    const simplePrefix = typing ? quoted : null;
    const stemPrefix = typing || chunk.length >= STEM_PREFIX_MIN_LENGTH ? quoted : null;
    return sql`(${i}::int, ${chunk}::text, ${simplePrefix}::text, ${stemPrefix}::text, ${typing}::boolean)`;
  });
  const result = await db.execute<{ i: number; simple: string; english: string; simple_prefix: string; english_prefix: string; stop_word: boolean }>(sql`
    select i, plainto_tsquery('simple', chunk)::text as simple, plainto_tsquery('english', chunk)::text as english,
           coalesce(to_tsquery('simple', simple_prefix)::text, '') as simple_prefix,
           coalesce(to_tsquery('english', stem_prefix)::text, '') as english_prefix,
           not typing and numnode(plainto_tsquery('english', chunk)) = 0 as stop_word
    from (values ${sql.join(rows, sql`, `)}) as pieces(i, chunk, simple_prefix, stem_prefix, typing)
    order by i`);
  return result.rows.map((row) => ({
    forms: [...new Set([row.simple, row.english, row.simple_prefix, row.english_prefix].filter((form) => form !== ""))],
    stopWord: Boolean(row.stop_word),
  }));
}

/** tsquery texts from PostgreSQL, OR-ed; each is parenthesised, since it may hold & or <->. */
function anyOf(forms: string[]): string {
  return [...new Set(forms)].map((form) => `( ${form} )`).join(" | ");
}
