import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../app.ts";
import { envWith } from "../../env.ts";
import { createRuntime, type Runtime } from "../../runtime.ts";
import { bearer, sessionFor } from "../../testing/auth.ts";
import { makeAgent, makeUser } from "../../testing/factories.ts";
import { type PrivatePostgres, startPrivatePostgres, startPrivateReplica } from "../../testing/private-services.ts";
import { waitFor } from "../../testing/redis-test-support.ts";

/**
 * DATABASE_READ_URL on a real streaming replica (a second local cluster made with
 * pg_basebackup, logging every statement): anonymous catalog reads are computed there once it
 * has caught up; while it lags (replay paused) they, and a signed-in user's reads of their own
 * writes, come from the primary, never a pre-write answer.
 */
describe("reads from a streaming replica", () => {
  let primary: PrivatePostgres;
  let replica: PrivatePostgres;
  let rt: Runtime;
  let dataDir = "";
  let fetchApp: (request: Request) => Promise<Response>;
  const fixture = { token: "", slug: "" };
  const replicaLog = () => readFileSync(join(replica.dir, "server.log"), "utf8");
  const detail = async (headers: Record<string, string> = {}) =>
    (await (await fetchApp(new Request(`http://localhost/api/v1/agents/${fixture.slug}`, { headers }))).json()) as { stars: number; description: string };

  beforeAll(async () => {
    primary = await startPrivatePostgres();
    dataDir = await mkdtemp(join(tmpdir(), "am-replica-"));
    const base = {
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
      SIGNING_SECRET: "s".repeat(40),
      RATE_LIMIT_ENABLED: "false",
      DATABASE_URL: primary.url,
    };
    // Migrate the primary first, so the base backup carries the schema.
    await (await createRuntime(envWith(base))).close();
    replica = await startPrivateReplica(primary, ["-c log_statement=all"]);
    rt = await createRuntime(envWith({ ...base, DATABASE_READ_URL: replica.url }), { migrate: false });
    fetchApp = createApp(rt).fetch;
    const user = await makeUser(rt.db.db);
    fixture.token = (await sessionFor(rt, user)).access_token;
    fixture.slug = (await makeAgent(rt.db.db, user.id, { name: "Replica Probe", description: "Replicated probe agent" })).slug;
  }, 90_000);

  afterAll(async () => {
    await rt?.close().catch(() => undefined);
    replica?.destroy();
    primary?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  test("an anonymous read is computed on the replica once it has caught up", async () => {
    const counts = rt.db.reads!.counts;
    await waitFor("the replica to have the agent", () => replica.psql(`select count(*) from agents where slug = '${fixture.slug}'`).trim() === "1", {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const before = counts.replica;
    expect((await detail()).description).toBe("Replicated probe agent");
    expect(counts.replica).toBe(before + 1);
    expect(replicaLog()).toMatch(/execute [^:]+: select .*from "agents" inner join "users"/);
  }, 30_000);

  test("while the replica lags, anonymous readers and the writer read the write from the primary", async () => {
    const counts = rt.db.reads!.counts;
    replica.psql("select pg_wal_replay_pause()");
    try {
      expect(
        (await fetchApp(new Request(`http://localhost/api/v1/agents/${fixture.slug}/star`, { method: "POST", headers: bearer(fixture.token) }))).status,
      ).toBe(204);
      const fellBack = counts.primary;
      expect((await detail()).stars).toBe(1);
      expect(counts.primary).toBe(fellBack + 1);
      expect((await detail(bearer(fixture.token))).stars).toBe(1);
      // The replica itself still has the old row: answers from it would have been stale.
      expect(replica.psql(`select stars from agents where slug = '${fixture.slug}'`).trim()).toBe("0");
    } finally {
      replica.psql("select pg_wal_replay_resume()");
    }
  }, 30_000);
});
