import { MarketplaceError } from "../../errors.js";
import type { CliContext } from "../context.js";
import { table } from "../format.js";
import type { CommandSpec } from "../framework.js";
import { UsageError } from "../framework.js";

/** The admin procedures, through the typed client (a token with the admin scope). Users by login. */

/** The account of a login (exact, case-insensitive), or a MarketplaceError not_found. */
export async function userByLogin(client: ReturnType<CliContext["client"]>, login: string) {
  const page = await client.adminUsers.list.query({ search: login, limit: 100 });
  const user = page.items.find((u) => u.username.toLowerCase() === login.toLowerCase());
  if (!user) throw new MarketplaceError({ status: 404, code: "not_found", detail: `No user with the login '${login}'` });
  return user;
}

type AdminUserRow = Awaited<ReturnType<typeof userByLogin>>;

function userLine(u: AdminUserRow): string {
  return `${u.username} (id ${u.id}, ${u.role}${u.is_blocked ? ", blocked" : ""}${u.is_active ? "" : ", inactive"})`;
}

const reasonOption = {
  reason: { type: "string" as const, valueName: "TEXT", description: "shown to the user (10..500 characters; default: 'Blocked by an administrator')" },
};

export const adminCommands: CommandSpec<CliContext>[] = [
  {
    path: ["admin", "users", "list"],
    summary: "list accounts, newest first",
    options: {
      search: { type: "string", valueName: "TEXT", description: "match login or email" },
      limit: { type: "string", valueName: "N", description: "1..100 (default 100)" },
    },
    async run(ctx, { values }) {
      const search = values.search as string | undefined;
      const page = await ctx.client().adminUsers.list.query({ limit: Number(values.limit ?? 100), ...(search ? { search } : {}) });
      const rows = page.items.map((u) => [
        u.id,
        u.username,
        u.role,
        u.is_blocked ? "blocked" : u.is_active ? "active" : "inactive",
        u.github_id ?? "not linked",
        u.created_at,
      ]);
      ctx.result([...table(["ID", "LOGIN", "ROLE", "STATE", "GITHUB ID", "CREATED"], rows), `${page.items.length} of ${page.total}`], page);
      return 0;
    },
  },
  {
    path: ["admin", "users", "create"],
    args: ["LOGIN"],
    summary: "create an account (linked to GitHub at its first sign-in) and print a publish token for it",
    details: "Only the token goes to stdout, so TOKEN=$(agent-marketplace admin users create someone) works. Hand it to its owner: it is not shown again.",
    async run(ctx, { positionals }) {
      const created = await ctx.client().adminUsers.create.mutate({ username: positionals[0]! });
      // The token is the whole point of this command: it goes to stdout alone (or in the JSON).
      if (ctx.json) ctx.result("", created);
      else {
        ctx.err(`created ${userLine({ ...created.user, is_blocked: false, blocked_reason: null })}; publish token (shown once):`);
        ctx.out(created.token);
      }
      return 0;
    },
  },
  {
    path: ["admin", "users", "block"],
    args: ["LOGIN"],
    summary: "block an account and revoke its sessions and tokens",
    options: reasonOption,
    async run(ctx, { positionals, values }) {
      const client = ctx.client();
      const user = await userByLogin(client, positionals[0]!);
      const blocked = await client.adminUsers.block.mutate({
        id: user.id,
        blocked_reason: (values.reason as string | undefined) ?? "Blocked by an administrator",
      });
      ctx.result(`blocked ${userLine(blocked)}`, blocked);
      return 0;
    },
  },
  {
    path: ["admin", "users", "unblock"],
    args: ["LOGIN"],
    summary: "lift a block",
    async run(ctx, { positionals }) {
      const client = ctx.client();
      const user = await userByLogin(client, positionals[0]!);
      const unblocked = await client.adminUsers.unblock.mutate({ id: user.id });
      ctx.result(`unblocked ${userLine(unblocked)}`, unblocked);
      return 0;
    },
  },
  {
    path: ["admin", "users", "role"],
    args: ["LOGIN", "ROLE"],
    summary: "set the role: admin or user",
    async run(ctx, { positionals }) {
      const role = positionals[1]!;
      if (role !== "admin" && role !== "user") throw new UsageError(`ROLE must be admin or user, not '${role}'`, ["admin", "users", "role"]);
      const client = ctx.client();
      const user = await userByLogin(client, positionals[0]!);
      const updated = await client.adminUsers.update.mutate({ id: user.id, role });
      ctx.result(`${userLine(updated)}`, updated);
      return 0;
    },
  },
  {
    path: ["admin", "agents", "remove"],
    args: ["SLUG"],
    summary: "delete any agent (its archives are removed in the background)",
    async run(ctx, { positionals }) {
      await ctx.client().adminAgents.delete.mutate({ slug: positionals[0]! });
      ctx.result(`removed ${positionals[0]}`, { slug: positionals[0], removed: true });
      return 0;
    },
  },
  {
    path: ["admin", "agents", "move"],
    args: ["SLUG", "CATEGORY"],
    summary: "move an agent to another category (slug or name; 'uncategorized' removes it)",
    async run(ctx, { positionals }) {
      const agent = await ctx.client().adminAgents.update.mutate({ slug: positionals[0]!, category: positionals[1]! });
      ctx.result(`${agent.slug} is now in ${agent.category}`, agent);
      return 0;
    },
  },
  {
    path: ["admin", "categories", "create"],
    args: ["NAME"],
    summary: "create a category",
    options: {
      slug: { type: "string", valueName: "SLUG", description: "default: made from NAME" },
      description: { type: "string", valueName: "TEXT", description: "what belongs in it" },
    },
    async run(ctx, { positionals, values }) {
      const name = positionals[0]!;
      const slug = (values.slug as string | undefined) ?? slugify(name);
      const description = values.description as string | undefined;
      const category = await ctx.client().categories.create.mutate({ name, slug, ...(description ? { description } : {}) });
      ctx.result(`created category ${category.slug} (${category.name})`, category);
      return 0;
    },
  },
  {
    path: ["admin", "categories", "delete"],
    args: ["SLUG"],
    summary: "delete a category (its agents become uncategorized)",
    async run(ctx, { positionals }) {
      await ctx.client().categories.delete.mutate({ slug: positionals[0]! });
      ctx.result(`deleted category ${positionals[0]}`, { slug: positionals[0], deleted: true });
      return 0;
    },
  },
  {
    path: ["admin", "jobs", "list"],
    summary: "queue depths and the dead-lettered jobs",
    async run(ctx) {
      const overview = await ctx.client().adminJobs.overview.query();
      const queues = table(
        ["QUEUE", "WAITING", "RUNNING", "DELAYED", "DEAD"],
        Object.entries(overview.queues).map(([name, q]) => [name, q.waiting, q.running, q.delayed, q.dead]),
      );
      const dead = overview.dead.length
        ? table(
            ["DEAD JOB ID", "NAME", "ATTEMPTS", "FAILED AT", "ERROR"],
            overview.dead.map((j) => [j.id, j.name, j.attempts, j.failed_at, j.error]),
          )
        : ["no dead jobs"];
      ctx.result([...queues, "", ...dead], overview);
      return 0;
    },
  },
  {
    path: ["admin", "jobs", "retry"],
    args: ["ID"],
    summary: "queue a dead-lettered job again",
    async run(ctx, { positionals }) {
      const answer = await ctx.client().adminJobs.retryDead.mutate({ id: positionals[0]! });
      ctx.result(`queued ${positionals[0]} again`, answer ?? { id: positionals[0], retried: true });
      return 0;
    },
  },
];

function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
}
