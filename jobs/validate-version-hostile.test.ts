import { describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { agentVersions, validationResults } from "../db/schema/index.ts";
import { systemContextOf } from "../src/runtime.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { nulOutputAgent } from "../src/testing/sample-agents.ts";
import { publishViaHttp } from "../src/testing/uploads.ts";
import { writeZip } from "../src/testing/zip-writer.ts";

type Report = { status: string; checks: { name: string; status: string; summary: string; issues: { message: string; file?: string }[] }[] };

/** Agents whose output or archive is built to break the recording of their own validation. */
for (const mode of TEST_MODES) {
  describe(`hostile validation output [${mode}]`, () => {
    const t = useTestApp(mode);

    async function publish(code: Uint8Array, name: string) {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      const agent = await publishViaHttp(t.fetch, token, { name, category: (await makeCategory(t.rt.db.db)).slug, code });
      return { slug: agent.slug, versionId: agent.versions[0]!.id, token };
    }

    async function statusOf(versionId: number) {
      const [row] = await t.rt.db.db.select({ status: agentVersions.validationStatus }).from(agentVersions).where(eq(agentVersions.id, versionId));
      return row?.status;
    }

    test("NUL bytes and lone surrogates in the agent's output are stored as U+FFFD; the version is final", async () => {
      const { slug, versionId } = await publish(nulOutputAgent(), `Nul Output ${mode}`);
      expect(await validateStoredVersion(systemContextOf(t.rt), versionId)).toBe("validated");
      expect(await statusOf(versionId)).toBe("failed");
      const report = (await (await t.fetch(`/api/v1/agents/${slug}/validation`)).json()) as Report;
      const compatibility = report.checks.find((c) => c.name === "compatibility")!;
      const text = JSON.stringify(compatibility);
      expect(text).toContain("boom\uFFFD\uFFFD POISON");
      expect(text).not.toContain("\u0000");
    }, 60_000);

    test("a NUL in an archive entry name is refused and recorded, not a database error", async () => {
      const code = writeZip([
        { name: "package.json", data: "{}" },
        { name: "evil\u0000.js", data: "x" },
      ]);
      const { slug, versionId, token } = await publish(code, `Nul Name ${mode}`);
      expect(await validateStoredVersion(systemContextOf(t.rt), versionId)).toBe("validated");
      expect(await statusOf(versionId)).toBe("failed");
      const report = (await (await t.fetch(`/api/v1/agents/${slug}/validation`, { headers: bearer(token) })).json()) as Report;
      expect(report.checks[0]).toMatchObject({ name: "archive", status: "failed" });
      expect(JSON.stringify(report)).not.toContain("\u0000");
    }, 60_000);

    test("an outcome the database refuses ends the version as error with the reason, never running", async () => {
      // A real refusal by the database, aimed at this one outcome: the issues that mention POISON.
      await t.rt.db.db.execute(
        sql.raw(`create or replace function refuse_poison() returns trigger language plpgsql as $$
          begin if new.issues::text like '%POISON%' then raise exception 'refused by test trigger'; end if; return new; end $$`),
      );
      await t.rt.db.db.execute(sql.raw("create trigger refuse_poison before insert on validation_results for each row execute function refuse_poison()"));
      try {
        const { slug, versionId } = await publish(nulOutputAgent(), `Unrecordable ${mode}`);
        expect(await validateStoredVersion(systemContextOf(t.rt), versionId)).toBe("validated");
        expect(await statusOf(versionId)).toBe("error");
        const report = (await (await t.fetch(`/api/v1/agents/${slug}/validation`)).json()) as Report;
        expect(report.status).toBe("error");
        expect(report.checks.length).toBe(5);
        for (const check of report.checks) {
          expect(check).toMatchObject({ status: "error", issues: [] });
          expect(check.summary).toMatch(/could not be stored/);
        }
        const rows = await t.rt.db.db.select().from(validationResults).where(eq(validationResults.versionId, versionId));
        expect(rows).toHaveLength(5);
      } finally {
        await t.rt.db.db.execute(sql.raw("drop trigger refuse_poison on validation_results"));
      }
    }, 60_000);
  });
}
