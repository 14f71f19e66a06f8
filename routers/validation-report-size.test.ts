import { describe, expect, test } from "bun:test";
import { validationResults } from "../db/schema/index.ts";
import type { ValidationIssue } from "../src/contract/validation.ts";
import { systemContextOf } from "../src/runtime.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";
import { writeZip } from "../src/testing/zip-writer.ts";

type Check = { name: string; status: string; issues: ValidationIssue[]; issues_total: number };
type Report = { status: string; checks: Check[] };

/** 2 MB of `eval(` lines: one dangerous call per line, 349,525 of them. */
function evalFloodAgent(): Uint8Array {
  const pkg = JSON.stringify({ name: "flood", version: "1.0.0", description: "flood", license: "MIT", main: "index.js" });
  return writeZip([
    { name: "package.json", data: pkg },
    { name: "index.js", data: "eval(\n".repeat(349_525) },
    { name: "other.js", data: "eval(\n".repeat(50) },
  ]);
}

for (const mode of TEST_MODES) {
  describe(`validation report size [${mode}]`, () => {
    const t = useTestApp(mode);

    test("a flood of findings is capped per file and per check with an 'and N more' issue; the report stays small and pages", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      const agent = await publishViaHttp(t.fetch, token, {
        name: `Eval Flood ${mode}`,
        category: (await makeCategory(t.rt.db.db)).slug,
        code: evalFloodAgent(),
      });
      await validateStoredVersion(systemContextOf(t.rt), agent.versions[0]!.id, { pipeline: { sandbox: { ok: false, reason: "not needed here" } } });

      // Quarantined by its findings: the author reads the report.
      const res = await t.fetch(`/api/v1/agents/${agent.slug}/validation`, { headers: bearer(token) });
      const raw = await res.text();
      expect(raw.length).toBeLessThan(512 * 1024);
      const report = JSON.parse(raw) as Report;
      const security = report.checks.find((c) => c.name === "security")!;
      expect(security.status).toBe("failed");
      const inIndex = security.issues.filter((i) => i.file === "index.js");
      expect(inIndex).toHaveLength(20);
      expect(inIndex.at(-1)).toMatchObject({ code: "more_issues", severity: "high", message: "and 349506 more issues in index.js" });
      expect(security.issues.filter((i) => i.file === "other.js").at(-1)).toMatchObject({ code: "more_issues", message: "and 31 more issues in other.js" });
      expect(security.issues_total).toBe(security.issues.length);

      const page = (await (
        await t.fetch(`/api/v1/agents/${agent.slug}/validation?issues_limit=5&issues_offset=3`, { headers: bearer(token) })
      ).json()) as Report;
      const paged = page.checks.find((c) => c.name === "security")!;
      expect(paged.issues).toEqual(security.issues.slice(3, 8));
      expect(paged.issues_total).toBe(security.issues_total);
      expect((await t.fetch(`/api/v1/agents/${agent.slug}/validation?issues_limit=0`, { headers: bearer(token) })).status).toBe(422);
    }, 120_000);

    test("a report stored before the caps is read a page at a time, never whole", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      const agent = await publishViaHttp(t.fetch, token, { name: `Legacy Report ${mode}`, category: (await makeCategory(t.rt.db.db)).slug });
      const issues = Array.from({ length: 20_000 }, (_, i) => ({
        severity: "high" as const,
        code: "dangerous_call",
        message: `eval number ${i}`,
        file: "index.js",
        line: i + 1,
      }));
      await t.rt.db.db
        .insert(validationResults)
        .values({ versionId: agent.versions[0]!.id, checkName: "security", status: "failed", summary: "legacy", issues });
      const report = (await (await t.fetch(`/api/v1/agents/${agent.slug}/validation`)).json()) as Report;
      expect(report.checks[0]!.issues).toHaveLength(200);
      expect(report.checks[0]!.issues_total).toBe(20_000);
      const last = (await (await t.fetch(`/api/v1/agents/${agent.slug}/validation?issues_offset=19998`)).json()) as Report;
      expect(last.checks[0]!.issues.map((i) => i.line)).toEqual([19_999, 20_000]);
    }, 60_000);
  });
}
