import { sql } from "drizzle-orm";
import type { Executor } from "../../lib/db/db.ts";
import { escapeLike, type SearchText, wordsOf } from "./text.ts";

/**
 * The catalog's vocabulary (search_terms, kept by a trigger: every word of every name and
 * description as written) lets a query mean more than it spells:
 * - the word still being typed is completed to the words that start with it, whose English stems
 *   then match descriptions too (typing "recordi" finds "recordings", stemmed to "record");
 * - any other word that is not in the vocabulary is corrected to its nearest words by trigram
 *   distance (pg_trgm's GiST KNN search, one index probe per word). Trigrams judge short words
 *   badly (agnet shares almost nothing with agent), so a word is also accepted by edit distance.
 */

const MIN_WORD_LENGTH = 3;
const NEIGHBOURS = 5;
const MAX_CORRECTIONS = 2;
const MAX_COMPLETIONS = 5;
const MIN_SIMILARITY = 0.35;
/** Only so many words of one query are looked up. */
const MAX_WORDS = 8;

export interface Alternative {
  term: string;
  /** Its lexemes as tsquery text, 'simple' and 'english' (what search matches on). */
  forms: string[];
}

/** Lower-case query word -> vocabulary words it may stand for (completions, or corrections). */
export async function expandWords(db: Executor, search: SearchText): Promise<Map<string, Alternative[]>> {
  const last = search.chunks.at(-1);
  const typedWord = search.typing && last !== undefined ? wordsOf(last).at(-1) : undefined;
  const typed = typedWord && typedWord.length >= MIN_WORD_LENGTH ? typedWord : undefined;
  const words = [...new Set(search.chunks.flatMap(wordsOf))].filter((w) => w.length >= MIN_WORD_LENGTH).slice(0, MAX_WORDS);
  if (words.length === 0) return new Map();
  const list = sql.join(
    words.map((w) => sql`(${w})`),
    sql`, `,
  );
  const prefix = typed ? `${escapeLike(typed)}%` : "";
  // The word being typed is corrected only when nothing in the vocabulary starts with it.
  const completable = typed ? sql`and not (w.word = ${typed} and exists (select 1 from search_terms p where p.term like ${prefix}))` : sql``;
  const completions = typed
    ? sql`union all
      select *, plainto_tsquery('simple', term)::text, plainto_tsquery('english', term)::text from (
        select ${typed}::text, term, 1::real, true from search_terms where term like ${prefix} order by length(term), term limit ${MAX_COMPLETIONS}
      ) c`
    : sql``;
  const result = await db.execute<{ word: string; term: string; similarity: number; completion: boolean; simple: string; english: string }>(sql`
    select w.word, n.term, similarity(n.term, w.word) as similarity, false as completion,
           plainto_tsquery('simple', n.term)::text as simple, plainto_tsquery('english', n.term)::text as english
    from (values ${list}) as w(word)
    cross join lateral (select term from search_terms order by term <-> w.word limit ${NEIGHBOURS}) n
    where not exists (select 1 from search_terms e where e.term = w.word) ${completable}
    ${completions}`);

  const found = new Map<string, (Alternative & { rank: number; completion: boolean })[]>();
  for (const row of result.rows) {
    const similarity = Number(row.similarity);
    const distance = row.completion ? 0 : editDistance(row.word, row.term);
    if (!row.completion && similarity < MIN_SIMILARITY && distance > allowedEdits(row.word)) continue;
    const entries = found.get(row.word) ?? [];
    // Completions keep their (shortest first) order; corrections go by edits, then similarity.
    const forms = [...new Set([row.simple, row.english].filter((form) => form !== ""))];
    entries.push({ term: row.term, forms, rank: row.completion ? entries.length : distance * 10 - similarity, completion: row.completion });
    found.set(row.word, entries);
  }
  return new Map(
    [...found].map(([word, entries]) => [
      word,
      entries
        .sort((a, b) => a.rank - b.rank)
        .slice(0, entries.some((e) => e.completion) ? MAX_COMPLETIONS : MAX_CORRECTIONS)
        .map(({ term, forms }) => ({ term, forms })),
    ]),
  );
}

function allowedEdits(word: string): number {
  return word.length >= 8 ? 2 : 1;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const rows: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[x.length]![y.length]!;
}
