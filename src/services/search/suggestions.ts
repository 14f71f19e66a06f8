import { and, asc, desc, type SQL, sql } from "drizzle-orm";
import { agents } from "../../../db/schema/index.ts";
import type { Suggestions } from "../../contract/search.ts";
import type { Executor } from "../../lib/db/db.ts";
import { visibleTo } from "../agents/queries.ts";
import { cachedRead, LIST_TTL_SECONDS } from "../catalog-cache.ts";
import type { ServiceContext } from "../context.ts";
import { escapeLike, parseSearchText, quotedPrefix, type SearchText, wordsOf } from "./text.ts";
import { type Alternative, expandWords } from "./vocabulary.ts";

const MAX_SUGGESTIONS = 10;

/**
 * Names that complete what is being typed, in groups asked one after the other until ten are
 * found: names that start with it; names with words that start with its words (or with the
 * words its typos stand for); names that contain it literally. Popular agents first in a group.
 */
export async function suggestNames(ctx: ServiceContext, input: { q: string }): Promise<Suggestions> {
  return cachedRead(ctx, { name: "search.suggestions", input, ttlSeconds: LIST_TTL_SECONDS, perViewer: true }, async () => {
    const search = parseSearchText(input.q);
    if (search.text === "") return { suggestions: [] };
    const visible = visibleTo(ctx.actor);
    const name = sql`lower(${agents.name})`;
    const groups: (() => Promise<SQL | null>)[] = [
      async () => sql`${name} like (lower(${escapeLike(search.text)}) || '%')`,
      async () => {
        const alternatives = search.hasWords ? await expandWords(ctx.db, search) : new Map<string, Alternative[]>();
        const words = nameWordsQuery(search, new Map([...alternatives].map(([word, alts]) => [word, alts.map((a) => a.term)])));
        return words && sql`${agents.searchVector} @@ ${words}`;
      },
      // Two letters or fewer would make the trigram index read everything; symbols have no other way in.
      async () => (!search.hasWords || [...search.text].length >= 3 ? sql`${name} like ('%' || lower(${escapeLike(search.text)}) || '%')` : null),
    ];
    const names = new Set<string>();
    for (const group of groups) {
      const where = await group();
      if (where) for (const found of await namesWhere(ctx.db, and(visible, where))) names.add(found);
      if (names.size >= MAX_SUGGESTIONS) break;
    }
    return { suggestions: [...names].slice(0, MAX_SUGGESTIONS) };
  });
}

function namesWhere(db: Executor, where: SQL | undefined): Promise<string[]> {
  return db
    .select({ name: agents.name })
    .from(agents)
    .where(where)
    .orderBy(desc(agents.downloads), desc(agents.stars), asc(agents.name))
    .limit(MAX_SUGGESTIONS)
    .then((rows) => rows.map((r) => r.name));
}

/** Every piece as the start of a word of the name (weight A), or as one of its vocabulary words. */
function nameWordsQuery(search: SearchText, alternatives: Map<string, string[]>): SQL | null {
  const parts = search.chunks.flatMap((chunk) => {
    const quoted = quotedPrefix(chunk, "A");
    const options = [
      ...(quoted ? [sql`to_tsquery('simple', ${quoted})`] : []),
      ...wordsOf(chunk)
        .flatMap((word) => alternatives.get(word) ?? [])
        .map((term) => sql`to_tsquery('simple', ${quotedPrefix(term, "A")})`),
    ];
    return options.length === 0 ? [] : [sql`(${sql.join(options, sql` || `)})`];
  });
  return parts.length === 0 ? null : sql`(${sql.join(parts, sql` && `)})`;
}
