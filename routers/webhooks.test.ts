import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { webhookDeliveries } from "../db/schema/index.ts";
import { startJobWorker, systemContextOf } from "../src/runtime.ts";
import { notifyUser, signBody } from "../src/services/webhooks.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeUser } from "../src/testing/factories.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { waitFor } from "../src/testing/redis-test-support.ts";

/** A receiver on loopback that fails the first `failFirst` deliveries. */
function receiver(failFirst: number) {
  const received: { body: string; signature: string | null }[] = [];
  let calls = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      calls++;
      if (calls <= failFirst) return new Response("not yet", { status: 500 });
      received.push({ body: await request.text(), signature: request.headers.get("x-marketplace-signature") });
      return new Response("ok");
    },
  });
  return { server, received, url: `http://127.0.0.1:${server.port}/hook`, calls: () => calls };
}

for (const mode of TEST_MODES) {
  describe(`webhooks [${mode}]`, () => {
    const t = useTestApp(mode, { WEBHOOK_ALLOW_PRIVATE: "true" });
    let worker: { stop(o?: { graceMs?: number }): Promise<void> };
    beforeAll(() => {
      worker = startJobWorker(t.rt, { pollMs: 50, concurrency: 2 });
    });
    afterAll(async () => {
      await worker.stop({ graceMs: 500 });
    });

    test("set, read and delete your webhook; the generated secret is shown once", async () => {
      const user = await makeUser(t.rt.db.db);
      const token = await apiTokenFor(t.rt, user);
      const set = await t.fetch("/api/v1/users/me/webhook", jsonInit("PUT", { url: "http://127.0.0.1:9/hook" }, bearer(token)));
      expect(set.status).toBe(200);
      const body = (await set.json()) as { url: string; has_secret: boolean; secret?: string };
      expect(body).toMatchObject({ url: "http://127.0.0.1:9/hook", has_secret: true });
      expect(body.secret?.length).toBeGreaterThanOrEqual(16);
      const read = await (await t.fetch("/api/v1/users/me/webhook", { headers: bearer(token) })).json();
      expect(read).toEqual({ url: "http://127.0.0.1:9/hook", has_secret: true });
      expect((await t.fetch("/api/v1/users/me/webhook", { method: "DELETE", headers: bearer(token) })).status).toBe(204);
      expect(await (await t.fetch("/api/v1/users/me/webhook", { headers: bearer(token) })).json()).toEqual({ url: null, has_secret: false });
    });

    test("anonymous 401, read-only token 403, bad URL 422", async () => {
      expect((await t.fetch("/api/v1/users/me/webhook", jsonInit("PUT", { url: "https://example.com/h" }))).status).toBe(401);
      const user = await makeUser(t.rt.db.db);
      const readOnly = await apiTokenFor(t.rt, user, ["read"]);
      expect((await t.fetch("/api/v1/users/me/webhook", jsonInit("PUT", { url: "https://example.com/h" }, bearer(readOnly)))).status).toBe(403);
      const token = await apiTokenFor(t.rt, user);
      const bad = await t.fetch("/api/v1/users/me/webhook", jsonInit("PUT", { url: "ftp://example.com/h" }, bearer(token)));
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as { detail: { loc: string[] }[] }).detail[0]?.loc).toEqual(["body", "url"]);
    });

    test("a notification is signed, retried after failures, and recorded as delivered", async () => {
      const hook = receiver(2);
      try {
        const user = await makeUser(t.rt.db.db, { webhookUrl: hook.url, webhookSecret: "a-very-secret-webhook-key" });
        const id = await notifyUser(systemContextOf(t.rt), user.id, "validation.finished", { agent_slug: "x", status: "passed" });
        expect(id).not.toBeNull();
        await waitFor("delivery", () => hook.received.length === 1, { timeoutMs: 20_000 });
        const [{ body, signature }] = hook.received as [{ body: string; signature: string }];
        expect(signature).toBe(`sha256=${signBody("a-very-secret-webhook-key", body)}`);
        expect(JSON.parse(body)).toMatchObject({ event: "validation.finished", delivery_id: id, data: { agent_slug: "x", status: "passed" } });
        await waitFor("row updated", async () => {
          const [row] = await t.rt.db.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id!));
          return row?.status === "delivered";
        });
        const [row] = await t.rt.db.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id!));
        expect(row).toMatchObject({ attempts: 3, responseStatus: 200 });
      } finally {
        await hook.server.stop(true);
      }
    }, 30_000);

    test("no webhook, no delivery", async () => {
      const user = await makeUser(t.rt.db.db);
      expect(await notifyUser(systemContextOf(t.rt), user.id, "validation.finished", {})).toBeNull();
    });
  });
}

describe("webhook address rules", () => {
  const t = useTestApp("embedded");
  test("private and loopback targets are refused unless allowed", async () => {
    const user = await makeUser(t.rt.db.db);
    const token = await apiTokenFor(t.rt, user);
    for (const url of ["http://127.0.0.1/h", "http://10.1.2.3/h", "http://[::1]/h", "http://169.254.169.254/latest"]) {
      const res = await t.fetch("/api/v1/users/me/webhook", jsonInit("PUT", { url }, bearer(token)));
      expect(res.status).toBe(422);
    }
  });
});
