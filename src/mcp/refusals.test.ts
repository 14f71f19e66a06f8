import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { eq } from "drizzle-orm";
import { agentVersions } from "../../db/schema/index.ts";
import { createApp } from "../app.ts";
import type { Runtime } from "../runtime.ts";
import { refreshCurrentVersion } from "../services/agents/versions.ts";
import { invalidateCatalog } from "../services/catalog-cache.ts";
import { sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { createTestRuntime, TEST_MODES } from "../testing/harness.ts";
import { addVersionViaHttp, publishViaHttp } from "../testing/uploads.ts";
import { sampleAgentZip } from "../testing/zip.ts";

/** What /mcp refuses as REST does: calls past the hourly limit, and quarantined versions. */

const ANON_PER_HOUR = 4;
const toolCall = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

for (const mode of TEST_MODES) {
  describe(`MCP refusals [${mode}]`, () => {
    let rt: Runtime;
    let server: ReturnType<typeof Bun.serve>;
    let base: string;
    let authorToken: string;
    let slug: string;

    beforeAll(async () => {
      rt = await createTestRuntime(mode, { RATE_LIMIT_ANON_PER_HOUR: String(ANON_PER_HOUR) });
      const { fetch: handle } = createApp(rt);
      server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, srv) => handle(request, srv) });
      base = `http://127.0.0.1:${server.port}`;
      const author = await makeUser(rt.db.db);
      authorToken = (await sessionFor(rt, author)).access_token;
      const category = await makeCategory(rt.db.db);
      const published = await publishViaHttp((path, init) => fetch(`${base}${path}`, init), authorToken, { category: category.slug, name: `Leaky ${mode}` });
      slug = published.slug;
      const next = await addVersionViaHttp((path, init) => fetch(`${base}${path}`, init), authorToken, slug, "1.1.0", sampleAgentZip("leak"));
      // 1.0.0 passed; 1.1.0 is left as the security check leaves a version with a critical finding.
      await rt.db.db.update(agentVersions).set({ validationStatus: "passed" }).where(eq(agentVersions.id, published.versions[0]!.id));
      await rt.db.db
        .update(agentVersions)
        .set({ validationStatus: "failed", quarantineReason: "aws_access_key in config.js" })
        .where(eq(agentVersions.id, next.id));
      await refreshCurrentVersion(rt.db.db, published.id);
      await invalidateCatalog(rt);
    }, 60_000);
    afterAll(async () => {
      await server?.stop(true);
      await rt?.close();
    }, 60_000);

    test("a quarantined version's install instructions go to its author only", async () => {
      const client = new Client({ name: "refusals", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${authorToken}` } } }));
      const own = (await client.callTool({ name: "get_install_instructions", arguments: { slug, version: "1.1.0" } })) as CallToolResult;
      expect(own.isError).toBeFalsy();
      expect(own.structuredContent).toMatchObject({ slug, version: "1.1.0", validation_status: "failed" });
      await client.close();
    });

    test("catalog calls share the anonymous hourly limit with REST; housekeeping is free; the refusal is 429 with a JSON-RPC error", async () => {
      const post = (body: unknown) =>
        fetch(`${base}/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" },
          body: JSON.stringify(body),
        });
      // Listing tools reads nothing of the catalog: not charged, however often.
      for (let i = 0; i < ANON_PER_HOUR + 2; i++) {
        const list = await post({ jsonrpc: "2.0", id: i, method: "tools/list" });
        expect(list.status).toBe(200);
        expect(list.headers.get("x-ratelimit-remaining")).toBeNull();
      }
      const rest = await fetch(`${base}/api/v1/categories`);
      expect(rest.headers.get("x-ratelimit-remaining")).toBe(String(ANON_PER_HOUR - 1));

      const quarantined = await post(toolCall(1, "get_install_instructions", { slug, version: "1.1.0" }));
      expect(quarantined.headers.get("x-ratelimit-remaining")).toBe(String(ANON_PER_HOUR - 2));
      const answer = (await quarantined.json()) as { result: CallToolResult };
      expect(answer.result.isError).toBe(true);
      expect((answer.result.content[0] as { text: string }).text).toContain(
        "is quarantined and only its author can download it: aws_access_key in config.js (forbidden)",
      );

      // Each call of a batch costs one: three do not fit in the two left, two do.
      const tooBig = await post([toolCall(2, "list_categories"), toolCall(3, "list_categories"), toolCall(4, "list_categories")]);
      expect(tooBig.status).toBe(429);
      const fits = await post([toolCall(2, "list_categories"), toolCall(3, "list_categories")]);
      expect(fits.status).toBe(200);
      expect(((await fits.json()) as { id: number }[]).map((m) => m.id)).toEqual([2, 3]);
      expect(fits.headers.get("x-ratelimit-remaining")).toBe("0");
      const refused = await post(toolCall(5, "search_agents", { query: "x" }));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ jsonrpc: "2.0", id: 5, error: { code: -32000, data: { error: "rate_limited" } } });
      expect((await fetch(`${base}/api/v1/categories`)).status).toBe(429);
    });
  });
}
