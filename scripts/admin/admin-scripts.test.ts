import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMarketplaceClient, type NodeMarketplaceClient } from "../../client/src/node/index.ts";
import { createApp } from "../../src/app.ts";
import { type Runtime, startJobWorker } from "../../src/runtime.ts";
import { apiTokenFor } from "../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { createTestRuntime } from "../../src/testing/harness.ts";
import { awsKeyLeakAgent, goodNodeAgent } from "../../src/testing/sample-agents.ts";

/** The admin scripts as an operator runs them, against a live server with a job worker. */
const work = await mkdtemp(join(tmpdir(), "admin-scripts-"));
let rt: Runtime;
let server: ReturnType<typeof Bun.serve>;
let worker: { stop(opts?: { graceMs?: number }): Promise<void> };
let url = "";
let adminToken = "";
let admin: NodeMarketplaceClient;

async function script(name: string, args: string[], token = adminToken) {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, `${name}.ts`), ...args], {
    env: { PATH: process.env.PATH ?? "", HOME: work, XDG_CONFIG_HOME: join(work, "config"), AGENT_MARKETPLACE_URL: url, AGENT_MARKETPLACE_TOKEN: token },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

beforeAll(async () => {
  rt = await createTestRuntime("services");
  const { fetch } = createApp(rt);
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, maxRequestBodySize: rt.env.MAX_UPLOAD_BYTES + 1024 * 1024, fetch: (r, s) => fetch(r, s) });
  worker = startJobWorker(rt, { concurrency: 2 });
  url = `http://127.0.0.1:${server.port}`;
  adminToken = await apiTokenFor(rt, await makeUser(rt.db.db, { role: "admin" }), ["read", "publish", "admin"]);
  admin = createMarketplaceClient({ url, token: adminToken });
}, 120_000);

afterAll(async () => {
  await worker?.stop({ graceMs: 5000 });
  await server?.stop(true);
  await rt?.close();
  await rm(work, { recursive: true, force: true });
});

describe("scripts/admin", () => {
  test("every script has --help (exit 0) and refuses unknown flags and missing arguments (exit 2)", async () => {
    for (const name of ["block-logins", "requeue-failed-check", "export-agents-csv"]) {
      const help = await script(name, ["--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: npx bun scripts/admin/${name}.ts`);
      expect(help.stdout).toContain("--token TOKEN");
      expect((await script(name, ["--bogus"])).code).toBe(2);
    }
    expect((await script("block-logins", [])).code).toBe(2);
    expect((await script("requeue-failed-check", ["nonsense"])).code).toBe(2);
  });

  test("block-logins blocks each listed login, reports the unknown and the admins, and exit 1 when any was not blocked", async () => {
    const [a, b, boss] = await Promise.all([makeUser(rt.db.db), makeUser(rt.db.db), makeUser(rt.db.db, { role: "admin" })]);
    const file = join(work, "logins.txt");
    await writeFile(file, `# spam wave\n${a.username}\n\n${b.username.toUpperCase()}  # shouting\nno-such-login-here\n${boss.username}\n`);
    const dry = await script("block-logins", [file, "--dry-run"]);
    expect(dry.stdout).toContain(`${a.username}\twould block`);
    expect((await admin.adminUsers.get.query({ id: a.id })).is_blocked).toBe(false);

    const result = await script("block-logins", [file, "--reason", "Part of the spam wave"]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split("\n")).toEqual([
      `${a.username}\tblocked`,
      `${b.username.toUpperCase()}\tblocked`,
      "no-such-login-here\tnot found",
      `${boss.username}\trefused: Admins cannot be blocked`,
    ]);
    for (const user of [a, b])
      expect(await admin.adminUsers.get.query({ id: user.id })).toMatchObject({ is_blocked: true, blocked_reason: "Part of the spam wave" });
    expect((await admin.adminUsers.get.query({ id: boss.id })).is_blocked).toBe(false);

    const notAdmin = await script("block-logins", [file], await apiTokenFor(rt, await makeUser(rt.db.db)));
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stdout).toContain("refused: Admin access required");
  });

  test("requeue-failed-check queues again only the versions whose named check failed; export-agents-csv lists every agent with its stats", async () => {
    const author = await makeUser(rt.db.db);
    const publisher = createMarketplaceClient({ url, token: await apiTokenFor(rt, author) });
    const category = await makeCategory(rt.db.db);
    const good = await publisher.publish({
      zip: goodNodeAgent(),
      name: "Script Good Agent",
      description: "Passes every check",
      category: category.slug,
      version: "1.0.0",
    });
    const leak = await publisher.publish({
      zip: awsKeyLeakAgent(),
      name: 'Script Leaky, "Agent"',
      description: "Has a key in its config",
      category: category.slug,
      version: "1.0.0",
      isPublic: false,
    });
    expect((await admin.waitForValidation(good.slug, "1.0.0", { intervalMs: 200 })).status).toBe("passed");
    const before = await admin.waitForValidation(leak.slug, "1.0.0", { intervalMs: 200 });
    expect(before.status).toBe("failed");

    const none = await script("requeue-failed-check", ["tests"]);
    expect(none).toMatchObject({ code: 0, stdout: "no version has a failed tests check\n" });
    const queued = await script("requeue-failed-check", ["security", "--json"]);
    expect(queued.code).toBe(0);
    expect(JSON.parse(queued.stdout).queued).toEqual([{ slug: leak.slug, version: "1.0.0" }]);
    const after = await admin.waitForValidation(leak.slug, "1.0.0", { intervalMs: 200 });
    expect(after.status).toBe("failed");
    expect(Date.parse(after.started_at!)).toBeGreaterThan(Date.parse(before.finished_at!));
    const goodReport = await admin.versions.validation.query({ slug: good.slug, version: "1.0.0" });
    expect(goodReport.started_at).toBe((await admin.versions.validation.query({ slug: good.slug })).started_at);

    await publisher.stars.star.mutate({ slug: good.slug });
    const out = join(work, "agents.csv");
    const csv = await script("export-agents-csv", ["--out", out]);
    expect(csv.code).toBe(0);
    const lines = (await readFile(out, "utf8")).trimEnd().split("\n");
    expect(lines[0]).toBe(
      "slug,name,author,category,current_version,validation_status,is_public,downloads,downloads_last_30_days,stars,stars_last_30_days,reviews,rating,created_at",
    );
    const goodRow = lines.find((l) => l.startsWith(`${good.slug},`))!;
    const stats = await admin.agents.stats.query({ slug: good.slug });
    expect(stats.stars.total).toBe(1);
    const numbers = [
      stats.downloads.total,
      stats.downloads.last_30_days,
      stats.stars.total,
      stats.stars.last_30_days,
      stats.reviews.count,
      stats.reviews.average_rating,
    ];
    expect(goodRow).toBe(`${good.slug},Script Good Agent,${author.username},${category.slug},1.0.0,passed,true,${numbers.join(",")},${good.created_at}`);
    expect(lines.find((l) => l.startsWith(`${leak.slug},`))).toStartWith(
      `${leak.slug},"Script Leaky, ""Agent""",${author.username},${category.slug},1.0.0,failed,false,`,
    );
    expect(lines.length - 1).toBe((await admin.adminAgents.list.query({ limit: 500 })).total);
  }, 120_000);
});
