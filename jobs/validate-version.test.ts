import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agentVersions, storageDeletions } from "../db/schema/index.ts";
import { startJobWorker } from "../src/runtime.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { waitFor } from "../src/testing/redis-test-support.ts";
import { awsKeyLeakAgent, goodNodeAgent } from "../src/testing/sample-agents.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";

type Report = { status: string; checks: { name: string; status: string; issues: { code: string; file?: string }[] }[] };

for (const mode of TEST_MODES) {
  describe(`validation end to end [${mode}]`, () => {
    const t = useTestApp(mode);
    let worker: { stop(o?: { graceMs?: number }): Promise<void> };
    beforeAll(() => {
      worker = startJobWorker(t.rt, { pollMs: 50 });
    });
    afterAll(async () => {
      await worker.stop({ graceMs: 2_000 });
    });

    async function publishAndSettle(code: Uint8Array, name: string) {
      const user = await makeUser(t.rt.db.db);
      const category = await makeCategory(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      const agent = await publishViaHttp(t.fetch, token, { name, category: category.slug, code });
      // Read at once: validation takes far longer than this query.
      const [staged] = await t.rt.db.db.select({ key: agentVersions.storageKey }).from(agentVersions).where(eq(agentVersions.agentId, agent.id));
      await waitFor(
        "validation to finish",
        async () => {
          const body = (await (await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: bearer(token) })).json()) as { validation_status: string };
          return !["pending", "running"].includes(body.validation_status);
        },
        { timeoutMs: 90_000, intervalMs: 200 },
      );
      return { agent, token, stagingKey: staged!.key };
    }

    test("a good Node agent passes every check, then downloads byte for byte", async () => {
      const code = goodNodeAgent();
      const { agent, token, stagingKey } = await publishAndSettle(code, `Good Node Agent ${mode}`);
      expect(stagingKey).toMatch(/^staging\/[0-9a-f-]{36}\.zip$/);
      const detail = (await (await t.fetch(`/api/v1/agents/${agent.slug}`)).json()) as { validation_status: string; is_validated: boolean };
      expect(detail).toMatchObject({ validation_status: "passed", is_validated: true });

      const report = (await (await t.fetch(`/api/v1/agents/${agent.slug}/validation`)).json()) as Report;
      expect(report.status).toBe("passed");
      expect(report.checks.map((c) => [c.name, c.status])).toEqual([
        ["archive", "passed"],
        ["security", "passed"],
        ["quality", "passed"],
        ["compatibility", "passed"],
        ["tests", "passed"],
      ]);

      const metrics = await (await t.fetch("/metrics")).text();
      expect(metrics).toMatch(/validation_duration_seconds_count\{check="compatibility"\} [1-9]/);
      expect(metrics).toMatch(/^pending_validations 0$/m);

      const download = await t.fetch(`/api/v1/agents/${agent.slug}/download`, { headers: bearer(token) });
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(code))).toBe(true);
      const [version] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id));
      expect(version).toMatchObject({ tested: true, securityScanPassed: true });
      // Passed: the archive left the staging prefix for its permanent key; the staging copy is queued for removal.
      expect(version!.storageKey).toBe(`agents/${agent.id}/${version!.sha256}.zip`);
      expect(await t.rt.storage.head(version!.storageKey)).not.toBeNull();
      const queued = await t.rt.db.db.select().from(storageDeletions).where(eq(storageDeletions.reason, "staging_moved"));
      expect(queued.filter((row) => row.storageKey === stagingKey)).toHaveLength(1);
    }, 120_000);

    test("an agent leaking an AWS key fails the security check, with file and line", async () => {
      const { agent, token } = await publishAndSettle(awsKeyLeakAgent(), `Leaky Agent ${mode}`);
      // Quarantined (its only version leaks a key): only its author sees it now.
      const report = (await (await t.fetch(`/api/v1/agents/${agent.slug}/validation`, { headers: bearer(token) })).json()) as Report;
      expect(report.status).toBe("failed");
      const security = report.checks.find((c) => c.name === "security");
      expect(security?.status).toBe("failed");
      expect(security?.issues.some((i) => i.file === "config.js")).toBe(true);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}`)).status).toBe(404);
      const detail = (await (await t.fetch(`/api/v1/agents/${agent.slug}`, { headers: bearer(token) })).json()) as { is_validated: boolean };
      expect(detail.is_validated).toBe(false);
      // Failed archives never reach a permanent key.
      const [version] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id));
      expect(version!.storageKey.startsWith("staging/")).toBe(true);
    }, 120_000);
  });
}
