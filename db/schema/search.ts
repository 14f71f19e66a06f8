import { sql } from "drizzle-orm";
import { index, pgTable, text } from "drizzle-orm/pg-core";

/**
 * The vocabulary of the catalog: every word (letters only, 'simple' configuration) of an agent's
 * name or description, added by a trigger on agents (migration 0004). Search corrects typos
 * against it with trigram distance. Never pruned: a word left by a deleted agent can only
 * suggest a correction that then matches nothing.
 */
export const searchTerms = pgTable(
  "search_terms",
  {
    term: text("term").primaryKey(),
  },
  (t) => [
    index("search_terms_term_trgm_idx").using("gist", sql`${t.term} gist_trgm_ops`),
    // Completing the word being typed: a range scan, whatever the database's collation.
    index("search_terms_term_prefix_idx").using("btree", sql`${t.term} text_pattern_ops`),
  ],
);

export type SearchTerm = typeof searchTerms.$inferSelect;
