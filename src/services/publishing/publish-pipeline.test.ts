import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { count, eq } from "drizzle-orm";
import { agents, agentVersions, downloadEvents } from "../../../db/schema/index.ts";
import { systemContextOf } from "../../runtime.ts";
import { sessionFor } from "../../testing/auth.ts";
import { makeAgent, makeCategory, makeUser } from "../../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../../testing/harness.ts";
import { publishViaHttp } from "../../testing/uploads.ts";
import { sampleAgentZip } from "../../testing/zip.ts";
import { DownloadRecorder } from "../downloads/recorder.ts";
import { requeueStuckValidations } from "../validation/queue.ts";

/** What happens around a publish: the validation job, downloads counted later, archives served from files. */
for (const mode of TEST_MODES) {
  describe(`publish pipeline [${mode}]`, () => {
    const t = useTestApp(mode);
    const ctx = { token: "", category: "" };

    beforeAll(async () => {
      ctx.token = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      ctx.category = (await makeCategory(t.rt.db.db)).slug;
    });

    /** Runs fn with rt.queue.enqueue swapped for `replacement`, restoring it afterwards. */
    async function withEnqueue<T>(replacement: (name: string, payload: { versionId: number }) => Promise<string>, fn: () => Promise<T>): Promise<T> {
      const enqueue = t.rt.queue.enqueue;
      t.rt.queue.enqueue = replacement as typeof enqueue;
      try {
        return await fn();
      } finally {
        t.rt.queue.enqueue = enqueue;
      }
    }

    /** An enqueue that only records which versions it was asked for. */
    function recordingEnqueue(queued: number[]) {
      return async (_name: string, payload: { versionId: number }) => {
        queued.push(payload.versionId);
        return "id";
      };
    }

    test("a failed enqueue does not fail the publish; the stuck-pending sweep queues the version later", async () => {
      const agent = await withEnqueue(
        async () => {
          throw new Error("queue unavailable");
        },
        () => publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Lost Job Agent" }),
      );
      const versionId = agent.versions[0]!.id;
      expect(await requeueStuckValidations(systemContextOf(t.rt))).toBe(0);

      await t.rt.db.db
        .update(agentVersions)
        .set({ publishedAt: new Date(Date.now() - 20 * 60_000) })
        .where(eq(agentVersions.id, versionId));
      const queued: number[] = [];
      await withEnqueue(recordingEnqueue(queued), async () => {
        expect(await requeueStuckValidations(systemContextOf(t.rt))).toBeGreaterThanOrEqual(1);
      });
      expect(queued).toContain(versionId);
    });

    test("a version left running by a lost worker is queued again after the running timeout, not before", async () => {
      const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Stuck Running Agent" });
      const versionId = agent.versions[0]!.id;
      const queued: number[] = [];
      await withEnqueue(recordingEnqueue(queued), async () => {
        await t.rt.db.db
          .update(agentVersions)
          .set({ validationStatus: "running", validationStartedAt: new Date(Date.now() - 5 * 60_000) })
          .where(eq(agentVersions.id, versionId));
        await requeueStuckValidations(systemContextOf(t.rt));
        expect(queued).not.toContain(versionId);
        await t.rt.db.db
          .update(agentVersions)
          .set({ validationStartedAt: new Date(Date.now() - 50 * 60_000) })
          .where(eq(agentVersions.id, versionId));
        await requeueStuckValidations(systemContextOf(t.rt));
        expect(queued).toContain(versionId);
      });
    });

    test("the download recorder drops events of an agent deleted meanwhile without losing the others", async () => {
      const author = await makeUser(t.rt.db.db);
      const kept = await makeAgent(t.rt.db.db, author.id);
      const doomed = await makeAgent(t.rt.db.db, author.id);
      const recorder = new DownloadRecorder(t.rt.db.db, t.rt.logger, { flushMs: 60_000 });
      for (const agent of [kept, doomed, kept]) recorder.record({ agentId: agent.id, versionId: null, userId: author.id });
      await t.rt.db.db.delete(agents).where(eq(agents.id, doomed.id));
      await recorder.flush();
      const [row] = await t.rt.db.db.select({ downloads: agents.downloads }).from(agents).where(eq(agents.id, kept.id));
      const [events] = await t.rt.db.db.select({ n: count() }).from(downloadEvents).where(eq(downloadEvents.agentId, kept.id));
      expect({ counter: row!.downloads, events: events!.n }).toEqual({ counter: 2, events: 2 });
      await recorder.close();
    });

    if (mode === "services") {
      test("S3 archives are served from a verified local copy; bytes that no longer match their SHA-256 are refused", async () => {
        const code = sampleAgentZip("cached");
        const agent = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Cached S3 Agent", code });
        const [version] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, agent.id));
        const first = await t.fetch(`/api/v1/agents/${agent.slug}/download`);
        expect(new Uint8Array(await first.arrayBuffer())).toEqual(code);
        expect(existsSync(join(t.rt.env.DATA_DIR, "cache", "archives", `${version!.sha256}.zip`))).toBe(true);

        const tampered = await publishViaHttp(t.fetch, ctx.token, { category: ctx.category, name: "Tampered S3 Agent", code: sampleAgentZip("original") });
        const [tamperedVersion] = await t.rt.db.db.select().from(agentVersions).where(eq(agentVersions.agentId, tampered.id));
        await t.rt.storage.put(tamperedVersion!.storageKey, sampleAgentZip("swapped behind our back"));
        const refused = await t.fetch(`/api/v1/agents/${tampered.slug}/download`);
        expect(refused.status).toBe(500);
        expect(existsSync(join(t.rt.env.DATA_DIR, "cache", "archives", `${tamperedVersion!.sha256}.zip`))).toBe(false);
        // Neither the refused copy nor any half-written one is left behind.
        expect(readdirSync(join(t.rt.env.DATA_DIR, "cache", "archives")).filter((name) => name.endsWith(".tmp"))).toEqual([]);
      });
    }
  });
}
