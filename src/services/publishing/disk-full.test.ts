import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { eq } from "drizzle-orm";
import { agentVersions } from "../../../db/schema/index.ts";
import { createApp } from "../../app.ts";
import type { Runtime } from "../../runtime.ts";
import { systemContextOf } from "../../runtime.ts";
import { bearer, sessionFor } from "../../testing/auth.ts";
import { makeCategory, makeUser } from "../../testing/factories.ts";
import { createTestRuntime } from "../../testing/harness.ts";
import { mountSmallDisk, type SmallDisk } from "../../testing/private-services.ts";
import { goodNodeAgent } from "../../testing/sample-agents.ts";
import { multipartInit, orphanedStagingKeys, publishParts } from "../../testing/uploads.ts";
import { zipOfSize } from "../../testing/zip.ts";
import { validateStoredVersion } from "../validation/run-version.ts";

/**
 * DATA_DIR on a 3 MiB tmpfs that fills up: archives stored as files there, or spooled there on
 * their way to S3. Every publish answers 202 or the contract's 503 with Retry-After, never a
 * 500, and a refused one leaves no row, no object and no temp file. A validation that passes
 * but cannot store its archive records `error` instead of staying `running`.
 */
const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);

for (const store of ["filesystem", "s3"] as const) {
  describe(`full disk during uploads [${store} store]`, () => {
    let disk: SmallDisk;
    let rt: Runtime;
    let fetchApp: (path: string, init?: RequestInit) => Promise<Response>;
    const fixture = { token: "", category: "" };

    beforeAll(async () => {
      disk = mountSmallDisk(3 * 1024 * 1024);
      const storage: Record<string, string> = store === "filesystem" ? { S3_ENDPOINT: "", S3_ACCESS_KEY: "", S3_SECRET_KEY: "" } : {};
      rt = await createTestRuntime("services", { DATA_DIR: disk.dir, ...storage });
      expect(rt.storage.kind).toBe(store);
      const app = createApp(rt);
      fetchApp = (path, init) => app.fetch(new Request(`http://localhost${path}`, init));
      const user = await makeUser(rt.db.db);
      fixture.token = (await sessionFor(rt, user)).access_token;
      fixture.category = (await makeCategory(rt.db.db)).slug;
    }, 60_000);

    afterAll(async () => {
      await rt?.close();
      disk?.destroy();
    }, 60_000);

    test("publishes until the disk is full: 202 or 503 with Retry-After, and a refused one leaves nothing", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        // Archives stored on this disk fill it; spool files for S3 are removed after each upload,
        // so the disk is filled outright for the last ones.
        if (i === 6) disk.fill();
        if (i === 9) disk.free();
        const res = await fetchApp(
          "/api/v1/agents",
          multipartInit(
            "POST",
            publishParts({ category: fixture.category, name: `Disk Filler ${store} ${i}`, version: "1.0.0", code: zipOfSize(i === 9 ? 4096 : 700 * 1024) }),
            bearer(fixture.token),
          ),
        );
        statuses.push(res.status);
        if (res.status === 503) {
          expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
          expect(((await res.json()) as { error: string }).error).toBe("service_unavailable");
        }
      }
      expect(statuses.filter((s) => s !== 202 && s !== 503)).toEqual([]);
      expect(statuses).toContain(202);
      expect(statuses.slice(6, 9)).toEqual([503, 503, 503]);
      expect(statuses[9]).toBe(202);
      const accepted = statuses.filter((s) => s === 202).length;
      expect((await rt.db.db.select({ id: agentVersions.id }).from(agentVersions)).length).toBe(accepted);
      expect(await orphanedStagingKeys(rt)).toEqual([]);
      expect(files(disk.dir).filter((name) => name.endsWith("~tmp") || name.endsWith(".part"))).toEqual([]);
    }, 120_000);
  });
}

describe("a validation that passes but cannot store its archive", () => {
  let disk: SmallDisk;
  let rt: Runtime;

  beforeAll(async () => {
    disk = mountSmallDisk(2 * 1024 * 1024);
    rt = await createTestRuntime("services", { DATA_DIR: disk.dir, S3_ENDPOINT: "", S3_ACCESS_KEY: "", S3_SECRET_KEY: "" });
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    disk?.destroy();
  }, 60_000);

  test("records error (retryable) and keeps the archive in staging; a retry with room passes", async () => {
    const user = await makeUser(rt.db.db);
    const token = (await sessionFor(rt, user)).access_token;
    const app = createApp(rt);
    const res = await app.fetch(
      new Request(
        "http://localhost/api/v1/agents",
        multipartInit(
          "POST",
          publishParts({ category: (await makeCategory(rt.db.db)).slug, name: "Unstorable", version: "1.0.0", code: goodNodeAgent() }),
          bearer(token),
        ),
      ),
    );
    expect(res.status).toBe(202);
    const versionId = ((await res.json()) as { versions: { id: number }[] }).versions[0]!.id;
    disk.fill();
    await validateStoredVersion(systemContextOf(rt), versionId);
    const [row] = await rt.db.db.select().from(agentVersions).where(eq(agentVersions.id, versionId));
    expect(row).toMatchObject({ validationStatus: "error" });
    expect(row!.storageKey.startsWith("staging/")).toBe(true);

    disk.free();
    await rt.db.db.update(agentVersions).set({ validationStatus: "pending" }).where(eq(agentVersions.id, versionId));
    await validateStoredVersion(systemContextOf(rt), versionId);
    const [again] = await rt.db.db.select().from(agentVersions).where(eq(agentVersions.id, versionId));
    expect(again).toMatchObject({ validationStatus: "passed" });
    expect(again!.storageKey.startsWith("agents/")).toBe(true);
  }, 120_000);
});
