/**
 * What a search string is before any SQL: cleaned, split into pieces, and the small text helpers
 * every part of search shares.
 */

/** More pieces add nothing to the ranking and only cost time. */
const MAX_CHUNKS = 8;

export interface SearchText {
  /** NFKC, without control characters, single-spaced and trimmed; SQL lower-cases it. */
  text: string;
  /** Lower-case, whitespace-separated pieces; PostgreSQL's parser splits them further (gpt-4, a_b). */
  chunks: string[];
  /** No trailing space: the last piece is still being typed and also matches as a prefix. */
  typing: boolean;
  /** Some letter or digit: something full-text search can match (else only literal substrings can). */
  hasWords: boolean;
}

export function parseSearchText(raw: string): SearchText {
  const cleaned = raw.normalize("NFKC").replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, " ");
  const text = cleaned.replace(/\s+/gu, " ").trim();
  const chunks = [
    ...new Set(
      text
        .toLowerCase()
        .split(" ")
        .filter((c) => c !== ""),
    ),
  ].slice(0, MAX_CHUNKS);
  return { text, chunks, typing: !/\s$/u.test(cleaned), hasWords: /[\p{L}\p{N}]/u.test(text) };
}

/** Escapes LIKE's wildcards (and its escape character) so they match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The words the vocabulary is asked about: letters only, as search_terms stores them. */
export function wordsOf(chunk: string): string[] {
  return chunk.split(/[^\p{L}\p{M}]+/u).filter((w) => w.length > 0);
}

/**
 * `'text':*` (plus weights) for to_tsquery, with the two characters that could end the quote
 * removed (the parser treats them as punctuation anyway); null when nothing is left.
 */
export function quotedPrefix(chunk: string, weights = ""): string | null {
  const inner = chunk.replace(/['\\]/g, " ").trim();
  return inner === "" ? null : `'${inner}':*${weights}`;
}
