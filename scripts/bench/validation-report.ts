/**
 * GET /api/v1/agents/{slug}/validation for a report stored before issues were capped (349,525
 * issues: a 2 MB file of `eval(` lines), 20 requests at once, against PostgreSQL. Rows: the read
 * path before this change (the whole jsonb loaded, every issue answered) and the paged one now.
 * Each row runs in its own process, so one's heap does not count against the other.
 *
 * Usage: bun scripts/bench/validation-report.ts
 * Needs TEST_DATABASE_URL (an admin URL; a throwaway database is created next to it).
 */
import { asc, eq } from "drizzle-orm";
import pg from "pg";
import { agents, agentVersions, validationResults } from "../../db/schema/index.ts";
import { createApp } from "../../src/app.ts";
import { createTestRuntime } from "../../src/testing/harness.ts";
import { printTable } from "./lib.ts";

const ISSUES = 349_525;
const CONCURRENT = 20;
const mode = process.argv[2];

if (mode === "whole" || mode === "paged") {
  const rt = await createTestRuntime("services");
  const { fetch } = createApp(rt);
  try {
    const owner = await rt.db.db.execute<{ id: number }>("insert into users (username, email) values ('bench', 'b@example.com') returning id");
    const [agent] = await rt.db.db
      .insert(agents)
      .values({ name: "Bench", slug: "bench", description: "A benchmark agent", authorId: owner.rows[0]!.id })
      .returning();
    const [version] = await rt.db.db
      .insert(agentVersions)
      .values({
        agentId: agent!.id,
        version: "1.0.0",
        major: 1,
        minor: 0,
        patch: 0,
        sizeBytes: 1,
        sha256: "0".repeat(64),
        storageKey: "x",
        validationStatus: "failed",
      })
      .returning();
    await rt.db.db.update(agents).set({ currentVersionId: version!.id }).where(eq(agents.id, agent!.id));
    const issues = Array.from({ length: ISSUES }, (_, i) => ({
      severity: "high" as const,
      code: "dangerous_call",
      message: "eval() runs arbitrary code",
      file: "index.js",
      line: i + 1,
    }));
    await rt.db.db.insert(validationResults).values({ versionId: version!.id, checkName: "security", status: "failed", summary: "flood", issues });
    Bun.gc(true);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const read = async () => {
      if (mode === "paged") return (await fetch(new Request("http://localhost/api/v1/agents/bench/validation"))).text();
      // What the route did before: every stored issue, serialised into one answer.
      const rows = await rt.db.db.select().from(validationResults).where(eq(validationResults.versionId, version!.id)).orderBy(asc(validationResults.id));
      return JSON.stringify({ checks: rows.map((r) => ({ name: r.checkName, issues: r.issues })) });
    };
    const answers = await Promise.allSettled(Array.from({ length: CONCURRENT }, read));
    clearInterval(sampler);
    const bodies = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value] : []));
    const result = {
      mode,
      answered: bodies.length,
      failed: CONCURRENT - bodies.length,
      answer_kib: Math.round((bodies[0]?.length ?? 0) / 1024),
      ms: Math.round(performance.now() - started),
      rss_growth_mib: Math.round((peak - before) / 1024 ** 2),
    };
    console.log(JSON.stringify(result));
  } finally {
    await rt.close();
  }
  process.exit(0);
}

const run = `bench${process.pid}`;
const rows: Record<string, string | number>[] = [];
try {
  for (const row of ["whole", "paged"]) {
    const child = Bun.spawnSync([process.execPath, import.meta.path, row], { env: { ...process.env, NODE_ENV: "test", TEST_RUN_ID: run }, stderr: "inherit" });
    const line = child.stdout.toString().trim().split("\n").at(-1) ?? "{}";
    rows.push(JSON.parse(line) as Record<string, string | number>);
  }
  printTable(rows);
} finally {
  // The throwaway databases of both rows (and their template).
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  const { rows: databases } = await client.query<{ datname: string }>("select datname from pg_database where datname like $1", [`am_${run}_%`]);
  for (const { datname } of databases) await client.query(`drop database if exists "${datname}" with (force)`);
  await client.end();
}
