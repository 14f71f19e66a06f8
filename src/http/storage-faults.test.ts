import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { agents, storageDeletions } from "../../db/schema/index.ts";
import { createApp } from "../app.ts";
import { readTestEnv } from "../env.ts";
import type { Runtime } from "../runtime.ts";
import { bearer, sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { createTestRuntime } from "../testing/harness.ts";
import { waitFor } from "../testing/redis-test-support.ts";
import { startTcpProxy, type TcpProxy } from "../testing/tcp-proxy.ts";
import { multipartInit, publishParts, publishViaHttp } from "../testing/uploads.ts";
import { sampleAgentZip } from "../testing/zip.ts";

const CONNECT_MS = 500;
const REQUEST_MS = 1_000;
/**
 * The longest a request may wait on a dead S3: three attempts (the SDK's and the part upload's),
 * each bounded by the connect and request timeouts, plus the SDK's short backoff and the
 * request's own work. Before this test: 60 s (the upload ignored S3_REQUEST_TIMEOUT_MS), forever
 * for SDK calls (smithy only warned past its requestTimeout) and downloads (no timeout at all).
 */
const BOUND_MS = 3 * (CONNECT_MS + REQUEST_MS) + 2_000;

/**
 * S3 outages (issue 14): the shared Ceph RGW is reached through a TCP proxy of this test, which
 * refuses connections or swallows them (an endpoint that accepts and never answers). Publish and
 * download answer 503 with Retry-After within the S3 timeouts, /health says storage is down,
 * and all works again once the proxy forwards to Ceph again.
 */
const s3 = readTestEnv().TEST_S3_ENDPOINT;
describe.skipIf(!s3)("S3 refusing or swallowing connections", () => {
  let proxy: TcpProxy;
  let rt: Runtime;
  let fetchApp: (path: string, init?: RequestInit) => Promise<Response>;
  const fixture = { token: "", category: "", stored: { refuse: "", blackhole: "" } };
  let published = 0;

  beforeAll(async () => {
    const target = new URL(s3 ?? "http://127.0.0.1");
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 80) });
    rt = await createTestRuntime("services", {
      S3_ENDPOINT: proxy.url,
      S3_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      S3_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    });
    const { fetch } = createApp(rt);
    fetchApp = (path, init) => fetch(new Request(`http://localhost${path}`, init));
    const user = await makeUser(rt.db.db);
    fixture.token = (await sessionFor(rt, user)).access_token;
    fixture.category = (await makeCategory(rt.db.db)).slug;
    // Stored while S3 is up and not downloaded before its outage, so no local copy exists: a download needs S3.
    for (const outage of ["refuse", "blackhole"] as const) {
      const form = { name: `Stored Before ${outage}`, category: fixture.category, code: sampleAgentZip(outage) };
      fixture.stored[outage] = (await publishViaHttp(fetchApp, fixture.token, form)).slug;
    }
  }, 60_000);

  afterAll(async () => {
    await proxy?.forward();
    await rt?.close();
    await proxy?.close();
  }, 60_000);

  const publish = () =>
    fetchApp(
      "/api/v1/agents",
      multipartInit(
        "POST",
        publishParts({ name: `Outage Agent ${++published}`, category: fixture.category, code: sampleAgentZip(`o${published}`) }),
        bearer(fixture.token),
      ),
    );
  const download = (outage: "refuse" | "blackhole") => () => fetchApp(`/api/v1/agents/${fixture.stored[outage]}/download`, { headers: bearer(fixture.token) });

  async function expectUnavailable(call: () => Promise<Response>): Promise<number> {
    const started = performance.now();
    const res = await call();
    const elapsed = performance.now() - started;
    const body = (await res.json()) as { error: string };
    expect({ status: res.status, error: body.error }).toEqual({ status: 503, error: "service_unavailable" });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(BOUND_MS);
    return elapsed;
  }

  async function expectStorageDown(): Promise<void> {
    const res = await fetchApp("/health");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { storage: string }).storage).toBe("down");
  }

  for (const outage of ["refuse", "blackhole"] as const) {
    test(`${outage === "refuse" ? "connections refused" : "connections accepted, never answered"}: 503 with Retry-After, storage down, then recovery`, async () => {
      const guardsBefore = (await rt.db.db.select().from(storageDeletions).where(eq(storageDeletions.reason, "upload_abandoned"))).length;
      await proxy[outage]();
      const publishMs = await expectUnavailable(publish);
      const downloadMs = await expectUnavailable(download(outage));
      await expectStorageDown();
      console.info(`${outage}: publish answered 503 in ${Math.round(publishMs)} ms, download in ${Math.round(downloadMs)} ms (bound ${BOUND_MS} ms)`);
      // Nothing published; the staging key stays guarded, so the cleanup job removes whatever arrived.
      expect(
        await rt.db.db
          .select()
          .from(agents)
          .where(eq(agents.name, `Outage Agent ${published}`)),
      ).toEqual([]);
      const guards = await rt.db.db.select().from(storageDeletions).where(eq(storageDeletions.reason, "upload_abandoned"));
      expect(guards.length).toBe(guardsBefore + 1);

      await proxy.forward();
      await waitFor("storage ok again", async () => (await fetchApp("/health")).status === 200, { timeoutMs: 15_000, intervalMs: 200 });
      expect((await publish()).status).toBe(202);
      const res = await download(outage)();
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }, 60_000);
  }
});
