#!/usr/bin/env bun
/**
 * Every agent an admin sees (private ones too) with its numbers, as CSV: one row per agent, with
 * the 30-day downloads and stars from /agents/{slug}/stats. To stdout, or --out FILE.
 */
import { writeFile } from "node:fs/promises";
import { runScript } from "./lib.ts";

const COLUMNS = [
  "slug",
  "name",
  "author",
  "category",
  "current_version",
  "validation_status",
  "is_public",
  "downloads",
  "downloads_last_30_days",
  "stars",
  "stars_last_30_days",
  "reviews",
  "rating",
  "created_at",
] as const;

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes. A leading =,+,-,@ is defused for spreadsheets. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

await runScript({
  help: `Usage: npx bun scripts/admin/export-agents-csv.ts [--out FILE]

Writes every agent (private ones too) with its stats as CSV: ${COLUMNS.join(", ")}.
  --out FILE   write there instead of stdout`,
  options: { out: { type: "string" } },
  async run(ctx, { values }) {
    const client = ctx.client();
    const lines = [COLUMNS.join(",")];
    for await (const agent of client.paginate(client.adminAgents.list, {}, { pageSize: 500 })) {
      const stats = await client.agents.stats.query({ slug: agent.slug });
      const row: Record<(typeof COLUMNS)[number], unknown> = {
        slug: agent.slug,
        name: agent.name,
        author: agent.author.username,
        category: agent.category,
        current_version: agent.current_version,
        validation_status: agent.validation_status,
        is_public: agent.is_public,
        downloads: stats.downloads.total,
        downloads_last_30_days: stats.downloads.last_30_days,
        stars: stats.stars.total,
        stars_last_30_days: stats.stars.last_30_days,
        reviews: stats.reviews.count,
        rating: stats.reviews.average_rating,
        created_at: agent.created_at,
      };
      lines.push(COLUMNS.map((c) => csvField(row[c])).join(","));
    }
    const csv = `${lines.join("\n")}\n`;
    if (values.out) {
      await writeFile(values.out as string, csv);
      ctx.err(`wrote ${lines.length - 1} agents to ${values.out}`);
    } else process.stdout.write(csv);
    return 0;
  },
});
