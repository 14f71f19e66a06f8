import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { webhookDeliveries } from "../db/schema/index.ts";
import { startJobWorker, systemContextOf } from "../src/runtime.ts";
import { deliverWebhook, notifyUser, signBody } from "../src/services/webhooks.ts";
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
  test("private, loopback and special-purpose targets are refused in every spelling", async () => {
    const user = await makeUser(t.rt.db.db);
    const token = await apiTokenFor(t.rt, user);
    const urls = [
      "http://127.0.0.1/h",
      "http://10.1.2.3/h",
      "http://[::1]/h",
      "http://169.254.169.254/latest",
      "http://[::ffff:7f00:1]/h",
      "http://[0:0:0:0:0:ffff:7f00:1]/h",
      "http://[::ffff:a9fe:a9fe]/latest",
      "http://[::127.0.0.1]/h",
      "http://[64:ff9b::7f00:1]/h",
      "http://198.18.0.1/h",
      "http://224.0.0.1/h",
      "http://localhost/h",
      "http://2130706433/h",
    ];
    const answers: Record<string, number> = {};
    for (const url of urls) answers[url] = (await t.fetch("/api/v1/users/me/webhook", jsonInit("PUT", { url }, bearer(token)))).status;
    expect(answers).toEqual(Object.fromEntries(urls.map((url) => [url, 422])));
  });

  test("a stored webhook URL that spells loopback another way is never POSTed to", async () => {
    let hits = 0;
    const listener = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch() {
        hits++;
        return new Response("ok");
      },
    });
    try {
      // Only forms that lead to loopback on this machine: the test itself must not send traffic elsewhere.
      for (const host of ["[::ffff:7f00:1]", "[0:0:0:0:0:ffff:7f00:1]", "[::ffff:127.0.0.1]", "127.1", "2130706433", "localhost"]) {
        const user = await makeUser(t.rt.db.db, { webhookUrl: `http://${host}:${listener.port}/hook`, webhookSecret: "s" });
        const [delivery] = await t.rt.db.db
          .insert(webhookDeliveries)
          .values({ userId: user.id, event: "validation.finished", url: `http://${host}:${listener.port}/hook`, payload: {} })
          .returning();
        await expect(deliverWebhook(systemContextOf(t.rt), delivery!.id)).rejects.toThrow();
        const [row] = await t.rt.db.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, delivery!.id));
        expect({ host, status: row?.status, lastError: row?.lastError }).toMatchObject({
          host,
          status: "pending",
          lastError: expect.stringMatching(/address/),
        });
      }
      expect(hits).toBe(0);
    } finally {
      await listener.stop(true);
    }
  });
});
