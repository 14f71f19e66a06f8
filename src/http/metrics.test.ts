import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Worker } from "../lib/queue/queue.ts";
import { startJobWorker, systemContextOf } from "../runtime.ts";
import { validateStoredVersion } from "../services/validation/run-version.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { useTestApp } from "../testing/harness.ts";
import { closedPort, waitFor } from "../testing/redis-test-support.ts";
import { publishViaHttp } from "../testing/uploads.ts";
import { sampleAgentZip } from "../testing/zip.ts";

/** The figures an operator needs (issue 14, point 5), each seen moving on a real runtime. */
describe("operator metrics", () => {
  const t = useTestApp("services", { RATE_LIMIT_ANON_PER_HOUR: "2" });
  let worker: Worker | undefined;
  let text = "";
  const value = (series: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : Number.NaN;
  };

  beforeAll(async () => {
    const user = await makeUser(t.rt.db.db);
    const token = (await sessionFor(t.rt, user)).access_token;
    const agent = await publishViaHttp(t.fetch, token, { name: "Metered Agent", category: (await makeCategory(t.rt.db.db)).slug, code: sampleAgentZip("m") });
    await validateStoredVersion(systemContextOf(t.rt), agent.versions[0]!.id, { pipeline: { sandbox: { ok: false, reason: "not needed here" } } });
    for (let i = 0; i < 2; i++) await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: bearer(token) });
    await t.fetch(`/api/v1/agents/${agent.slug}/download`, { headers: bearer(token) });
    for (let i = 0; i < 3; i++) await t.fetch("/api/v1/categories");
    worker = startJobWorker(t.rt, { concurrency: 1 });
    await t.rt.queue.enqueue("validate-version", { versionId: 987_654 });
    await waitFor("the job to run", async () => (await t.rt.metrics.registry.getSingleMetricAsString("jobs_total")).includes('outcome="ok"'), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    text = await (await t.fetch("/metrics")).text();
  }, 60_000);
  afterAll(async () => {
    await worker?.stop({ graceMs: 5_000 });
  });

  test("app_info carries the version", () => {
    expect(value('app_info{version="0.1.0"}')).toBe(1);
  });

  test("uploads, downloads, validations by outcome and check", () => {
    expect(value('uploads_total{outcome="stored"}')).toBe(1);
    expect(value("upload_bytes_total")).toBeGreaterThan(0);
    expect(value("downloads_total")).toBe(1);
    expect(value('validations_total{outcome="error"}')).toBe(1);
    expect(value('validation_checks_total{check="archive",status="passed"}')).toBe(1);
    expect(value('validation_checks_total{check="tests",status="skipped"}')).toBe(1);
  });

  test("queues, jobs, cache, rate limits, pool, sessions", () => {
    for (const state of ["waiting", "running", "delayed", "dead"]) expect(value(`queue_jobs{queue="default",state="${state}"}`)).toBeGreaterThanOrEqual(0);
    expect(value('jobs_total{job="validate-version",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(value('job_duration_seconds_count{job="validate-version",outcome="ok"}')).toBe(value('jobs_total{job="validate-version",outcome="ok"}'));
    expect(value('cache_requests_total{read="agents.get",result="miss"}')).toBeGreaterThanOrEqual(1);
    expect(value('cache_requests_total{read="agents.get",result="hit"}')).toBeGreaterThanOrEqual(1);
    expect(value('rate_limit_denials_total{limit="ip"}')).toBe(1);
    expect(value('db_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(0);
    expect(value('db_pool_connections{state="waiting"}')).toBe(0);
    expect(value("active_sessions")).toBe(1);
    expect(value("oldest_pending_validation_age_seconds")).toBe(0);
    // The worker drained every queue: nothing is waiting (ages per queue: src/lib/queue/queue-age.test.ts).
    for (const queue of ["high", "default", "low"]) expect(value(`queue_oldest_job_age_seconds{queue="${queue}"}`)).toBe(0);
    expect(text).toContain("# TYPE dependency_errors_total counter");
  });

  test("one route-label syntax: native routes use the {param} templates of REST", () => {
    expect(text).toContain('route="/api/v1/agents/{slug}/download"');
    expect(text).toContain('route="/api/v1/agents/{slug}"');
    expect(text).not.toMatch(/route="[^"]*\/:/);
  });
});

describe("METRICS_PORT", () => {
  test("/metrics is served on its own port only", async () => {
    const [port, metricsPort] = [await closedPort(), await closedPort()];
    const dataDir = join("/tmp", `am-metrics-port-${crypto.randomUUID()}`);
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, "..", "main.ts"), "serve", "--port", String(port), "--data-dir", dataDir], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", METRICS_PORT: String(metricsPort) },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      await waitFor("the server", async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.status === 200, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("app_info{");
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
      await Bun.$`rm -rf ${dataDir}`.quiet();
    }
  }, 60_000);
});
