/**
 * Seeds the configured database (DATA_DIR for the embedded PGlite, or DATABASE_URL) with
 * benchmark agents and prints ONE JSON line other tools can read:
 *   { "sampleSlug", "slugs": [every seeded slug], "category", "token" }
 * Usage: bun scripts/bench/seed.ts --agents N [--text plain|search]
 * `--text search` gives agents realistic names and descriptions (the search benchmark's corpus).
 * Logs go to stderr, so stdout is the JSON line alone.
 */
import { searchText } from "./search-corpus.ts";
import { seedAgents } from "./seed-agents.ts";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const count = Number(option("agents") ?? 1000);
if (!Number.isInteger(count) || count < 1) {
  console.error("usage: bun scripts/bench/seed.ts --agents N [--text plain|search]");
  process.exit(2);
}
const text = option("text") ?? "plain";
if (text !== "plain" && text !== "search") {
  console.error("--text must be plain or search");
  process.exit(2);
}
if (!process.env.DATABASE_URL && !process.env.DATA_DIR) console.error("neither DATABASE_URL nor DATA_DIR is set: seeding the default data folder");

const seeded = await seedAgents({}, count, text === "search" ? searchText : undefined);
console.log(JSON.stringify({ sampleSlug: seeded.sampleSlug, slugs: seeded.slugs, category: seeded.category, token: seeded.token }));
