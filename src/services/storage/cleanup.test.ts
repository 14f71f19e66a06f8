import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agentVersions, storageDeletions } from "../../../db/schema/index.ts";
import { systemContextOf } from "../../runtime.ts";
import { makeAgent, makeUser } from "../../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../../testing/harness.ts";
import { processStorageDeletions } from "./cleanup.ts";

for (const mode of TEST_MODES) {
  describe(`storage cleanup [${mode}]`, () => {
    const t = useTestApp(mode);

    test("due objects are deleted; referenced, future and external keys are not", async () => {
      const { db } = t.rt.db;
      const storage = t.rt.storage;
      await storage.put("cleanup/orphan.zip", new Uint8Array([1]));
      await storage.put("cleanup/in-use.zip", new Uint8Array([2]));
      await storage.put("cleanup/later.zip", new Uint8Array([3]));
      const author = await makeUser(db);
      const agent = await makeAgent(db, author.id);
      await db.insert(agentVersions).values({
        agentId: agent.id,
        version: "1.0.0",
        major: 1,
        minor: 0,
        patch: 0,
        sizeBytes: 1,
        sha256: "a".repeat(64),
        storageKey: "cleanup/in-use.zip",
      });
      await db.insert(storageDeletions).values([
        { storageKey: "cleanup/orphan.zip", reason: "agent_deleted" },
        { storageKey: "cleanup/in-use.zip", reason: "upload_abandoned" },
        { storageKey: "cleanup/later.zip", reason: "upload_abandoned", notBefore: new Date(Date.now() + 3_600_000) },
        { storageKey: "https://example.com/external.zip", reason: "agent_deleted" },
      ]);

      const result = await processStorageDeletions(systemContextOf(t.rt));
      expect(result).toEqual({ deleted: 2, kept: 1, failed: 0 });
      expect(await storage.head("cleanup/orphan.zip")).toBeNull();
      expect(await storage.head("cleanup/in-use.zip")).not.toBeNull();
      expect(await storage.head("cleanup/later.zip")).not.toBeNull();
      const left = await db.select({ key: storageDeletions.storageKey }).from(storageDeletions);
      expect(left.map((r) => r.key)).toEqual(["cleanup/later.zip"]);

      // Running again finds nothing due.
      expect(await processStorageDeletions(systemContextOf(t.rt))).toEqual({ deleted: 0, kept: 0, failed: 0 });
      await db.delete(storageDeletions).where(eq(storageDeletions.storageKey, "cleanup/later.zip"));
    });
  });
}
