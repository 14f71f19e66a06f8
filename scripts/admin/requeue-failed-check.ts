#!/usr/bin/env bun
/**
 * Re-queues validation of every version whose check CHECK failed (or errored), e.g. after a false
 * positive in the security patterns was fixed. Walks every agent an admin sees, reads the reports
 * of its failed and errored versions, and revalidates the matching ones.
 */
import { runScript } from "./lib.ts";

const CHECKS = ["archive", "security", "quality", "compatibility", "tests"];

await runScript({
  help: `Usage: npx bun scripts/admin/requeue-failed-check.ts CHECK [--status failed|error] [--dry-run]

Queues validation again for every version whose CHECK (${CHECKS.join(", ")}) ended with --status
(default failed). Prints one line per version queued.
  --status S   failed (default) or error
  --dry-run    only list the versions`,
  options: { status: { type: "string" }, "dry-run": { type: "boolean" } },
  positionals: { min: 1, max: 1 },
  async run(ctx, { values, positionals }) {
    const check = positionals[0]!;
    const status = (values.status as string | undefined) ?? "failed";
    if (!CHECKS.includes(check) || !["failed", "error"].includes(status)) {
      ctx.err(`error: CHECK must be one of ${CHECKS.join(", ")} and --status failed or error`);
      return 2;
    }
    const client = ctx.client();
    const matches: { slug: string; version: string }[] = [];
    for await (const agent of client.paginate(client.adminAgents.list, {}, { pageSize: 500 })) {
      const versions = await client.versions.list.query({ slug: agent.slug });
      for (const version of versions.items) {
        if (version.validation_status !== "failed" && version.validation_status !== "error") continue;
        const report = await client.versions.validation.query({ slug: agent.slug, version: version.version, issues_limit: 1 });
        if (report.checks.some((c) => c.name === check && c.status === status)) matches.push({ slug: agent.slug, version: version.version });
      }
    }
    if (!values["dry-run"]) for (const m of matches) await client.adminAgents.revalidate.mutate(m);
    const verb = values["dry-run"] ? "would queue" : "queued";
    ctx.result(matches.length ? matches.map((m) => `${verb} ${m.slug}@${m.version}`) : [`no version has a ${status} ${check} check`], {
      check,
      status,
      queued: values["dry-run"] ? [] : matches,
      matched: matches,
    });
    return 0;
  },
});
