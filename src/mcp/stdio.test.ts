import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { createApp } from "../app.ts";
import type { Runtime } from "../runtime.ts";
import { apiTokenFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { createTestRuntime } from "../testing/harness.ts";
import { publishViaHttp } from "../testing/uploads.ts";

/**
 * `npm run mcp` (agent-marketplace mcp) spawned as an MCP client spawns a local server: the
 * SDK's StdioClientTransport on one side, the live app's /mcp on the other.
 */

const root = join(import.meta.dir, "../..");

describe("MCP over stdio, relayed to a server", () => {
  let rt: Runtime;
  let server: ReturnType<typeof Bun.serve>;
  let token: string;
  let privateSlug: string;

  beforeAll(async () => {
    rt = await createTestRuntime("embedded");
    const { fetch: handle } = createApp(rt);
    server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, srv) => handle(request, srv) });
    const author = await makeUser(rt.db.db);
    token = await apiTokenFor(rt, author, ["read"]);
    const publishToken = await apiTokenFor(rt, author, ["read", "publish"]);
    const category = await makeCategory(rt.db.db);
    const hidden = await publishViaHttp((path, init) => fetch(`http://127.0.0.1:${server.port}${path}`, init), publishToken, {
      category: category.slug,
      name: "Stdio Private Helper",
      is_public: "false",
    });
    privateSlug = hidden.slug;
  }, 60_000);
  afterAll(async () => {
    await server?.stop(true);
    await rt?.close();
  }, 60_000);

  /** The command a client configuration names (README, "Use it from an AI assistant"). */
  async function spawnBridge(env: Record<string, string>): Promise<{ client: Client; stderr: () => string }> {
    const transport = new StdioClientTransport({
      command: "npm",
      args: ["--silent", "--prefix", root, "run", "mcp"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", AGENT_MARKETPLACE_URL: `http://127.0.0.1:${server.port}`, ...env },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: "stdio-test", version: "1.0.0" });
    try {
      await client.connect(transport);
    } catch (error) {
      await transport.close();
      throw error;
    }
    return { client, stderr: () => stderr };
  }

  test("the same tools as /mcp; the token in AGENT_MARKETPLACE_TOKEN makes private agents visible", async () => {
    const anonymous = await spawnBridge({});
    try {
      expect(anonymous.client.getServerVersion()).toMatchObject({ name: "Agent Marketplace API" });
      const { tools } = await anonymous.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["get_agent", "get_install_instructions", "list_categories", "search_agents", "trending_agents"]);
      expect(tools.every((t) => t.outputSchema?.type === "object")).toBe(true);
      const hidden = await anonymous.client.callTool({ name: "get_agent", arguments: { slug: privateSlug } });
      expect(hidden).toEqual({ isError: true, content: [{ type: "text", text: `Agent '${privateSlug}' not found (not_found)` }] });
      const invalid = await anonymous.client.callTool({ name: "search_agents", arguments: { limit: "many" } });
      expect(invalid.isError).toBe(true);
    } finally {
      await anonymous.client.close();
    }

    const author = await spawnBridge({ AGENT_MARKETPLACE_TOKEN: token });
    try {
      const found = await author.client.callTool({ name: "search_agents", arguments: { query: "stdio helper" } });
      expect((found.structuredContent as { items: { slug: string }[] }).items.map((a) => a.slug)).toEqual([privateSlug]);
      const detail = await author.client.callTool({ name: "get_agent", arguments: { slug: privateSlug } });
      expect(detail.structuredContent).toMatchObject({ slug: privateSlug, is_public: false });
      expect(author.stderr()).toBe("");
    } finally {
      await author.client.close();
    }
  }, 60_000);

  test("messages piped in all at once are all answered before the bridge exits", async () => {
    const lines = [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "pipe", version: "1" } } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_agent", arguments: { slug: privateSlug } } },
    ];
    const child = Bun.spawn(["npm", "--silent", "--prefix", root, "run", "mcp"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        AGENT_MARKETPLACE_URL: `http://127.0.0.1:${server.port}`,
        AGENT_MARKETPLACE_TOKEN: token,
      },
      stdin: new TextEncoder().encode(lines.map((line) => `${JSON.stringify(line)}\n`).join("")),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await child.exited).toBe(0);
    const answers = (await new Response(child.stdout).text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: number; result: { structuredContent?: { slug: string } } });
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
    expect(answers.find((a) => a.id === 2)?.result.structuredContent?.slug).toBe(privateSlug);
  }, 60_000);

  test("a bad token fails the connection with the server's own words", async () => {
    const refused = await spawnBridge({ AGENT_MARKETPLACE_TOKEN: "not-a-token" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: -32000, message: expect.stringContaining("Invalid or expired token") });
  }, 60_000);

  test("an unreachable server answers each request with an error naming it", async () => {
    const refused = await spawnBridge({ AGENT_MARKETPLACE_URL: "http://127.0.0.1:9" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: -32000, message: expect.stringContaining("The marketplace at http://127.0.0.1:9/mcp did not answer") });
  }, 60_000);
});
