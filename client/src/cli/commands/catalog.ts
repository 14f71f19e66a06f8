import { resolve } from "node:path";
import type { CliContext } from "../context.js";
import { formatBytes, table } from "../format.js";
import type { CommandSpec } from "../framework.js";
import { UsageError } from "../framework.js";

/** install, search and info: what a user of agents needs, with no login. */

async function install(ctx: CliContext, spec: string, dir: string | undefined): Promise<number> {
  const at = spec.lastIndexOf("@");
  const slug = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : undefined;
  if (!slug || version === "") throw new UsageError(`'${spec}' is not SLUG or SLUG@VERSION`, ["install"]);
  const target = resolve(dir ?? slug);
  const installed = await ctx.client().install(slug, { dir: target, ...(version ? { version } : {}) });
  ctx.result(
    [
      `installed ${installed.slug}@${installed.version} into ${installed.dir}`,
      `  ${installed.files.length} files, ${formatBytes(installed.sizeBytes)} archive, sha256 ${installed.sha256} (verified)`,
    ],
    { slug: installed.slug, version: installed.version, dir: installed.dir, sha256: installed.sha256, size_bytes: installed.sizeBytes, files: installed.files },
  );
  return 0;
}

async function search(ctx: CliContext, query: string, values: Record<string, unknown>): Promise<number> {
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError("--limit must be 1..100", ["search"]);
  const category = values.category as string | undefined;
  const page = await ctx.client().search.agents.query({ q: query, limit, ...(category ? { category } : {}) });
  const rows = page.items.map((a) => [a.slug, a.current_version, a.validation_status, a.downloads, a.stars, a.description]);
  const human = page.items.length === 0 ? [`no agents match '${query}'`] : table(["SLUG", "VERSION", "STATUS", "DOWNLOADS", "STARS", "DESCRIPTION"], rows);
  if (page.items.length > 0 && page.total > page.items.length) human.push(`(${page.items.length} of ${page.total}; --limit shows more)`);
  ctx.result(human, page);
  return 0;
}

async function info(ctx: CliContext, slug: string): Promise<number> {
  const agent = await ctx.client().agents.get.query({ slug });
  const lines = [
    `${agent.name} (${agent.slug})${agent.is_public ? "" : " [private]"}`,
    agent.description,
    "",
    ...table(
      ["FIELD", "VALUE"],
      [
        ["author", agent.author.username],
        ["category", agent.category],
        ["current version", agent.current_version],
        ["validation", agent.validation_status],
        ["downloads", agent.downloads],
        ["stars", agent.stars],
        ["rating", agent.rating > 0 ? agent.rating.toFixed(2) : "no reviews"],
        ["created", agent.created_at],
      ],
      100,
    ).slice(1),
    "",
    ...table(
      ["VERSION", "STATUS", "SIZE", "PUBLISHED", "SHA256"],
      agent.versions.map((v) => [v.version, v.validation_status, formatBytes(v.size_bytes), v.published_at, v.sha256]),
      100,
    ),
  ];
  ctx.result(lines, agent);
  return 0;
}

export const catalogCommands: CommandSpec<CliContext>[] = [
  {
    path: ["install"],
    args: ["SLUG[@VERSION]"],
    summary: "download an agent, check its SHA-256 and unpack it safely",
    options: { dir: { type: "string", valueName: "D", description: "where to unpack (default ./SLUG); must not exist or be empty" } },
    run: (ctx, { positionals, values }) => install(ctx, positionals[0]!, values.dir as string | undefined),
  },
  {
    path: ["search"],
    args: ["QUERY"],
    summary: "search agents",
    options: {
      category: { type: "string", valueName: "C", description: "only this category (slug)" },
      limit: { type: "string", valueName: "N", description: "how many (1..100, default 20)" },
    },
    run: (ctx, { positionals, values }) => search(ctx, positionals[0]!, values),
  },
  { path: ["info"], args: ["SLUG"], summary: "show an agent and its versions", run: (ctx, { positionals }) => info(ctx, positionals[0]!) },
];
