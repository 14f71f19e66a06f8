import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { eq } from "drizzle-orm";
import { agents, agentVersions, validationResults } from "../../db/schema/index.ts";
import { createApp } from "../app.ts";
import type { Runtime } from "../runtime.ts";
import { invalidateCatalog } from "../services/catalog-cache.ts";
import { apiTokenFor, sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { createTestRuntime, TEST_MODES } from "../testing/harness.ts";
import { publishViaHttp } from "../testing/uploads.ts";
import { writeZip } from "../testing/zip-writer.ts";

/**
 * /mcp with the SDK's own client over a real socket, as an assistant would use it: every tool,
 * the resources, bad arguments, visibility by token, and the refusals before the protocol runs.
 */

const README = "# PR Reviewer\n\nReviews pull requests and leaves comments.\n\n```sh\nnpx agent-marketplace install pr-reviewer\n```\n";
const AGENT_JSON = `${JSON.stringify({ name: "PR Reviewer", version: "1.0.0", category: "code-review" }, null, 2)}\n`;

/** A deflated archive wrapped in one top-level folder, as `zip -r` of a folder makes it. */
function reviewerZip(): Uint8Array {
  const files = [
    { name: "README.md", data: README },
    { name: "agent.json", data: AGENT_JSON },
    { name: "package.json", data: JSON.stringify({ name: "pr-reviewer", version: "1.0.0", main: "index.js" }) },
    { name: "index.js", data: "console.log('review');\n" },
  ];
  return writeZip([{ name: "pr-reviewer/" }, ...files.map((f) => ({ ...f, name: `pr-reviewer/${f.name}` }))], { compress: true });
}

type Server = ReturnType<typeof Bun.serve>;

function text(result: unknown): string {
  return ((result as CallToolResult).content[0] as { text: string }).text;
}

for (const mode of TEST_MODES) {
  describe(`MCP over Streamable HTTP [${mode}]`, () => {
    let rt: Runtime;
    let server: Server;
    let base: string;
    let authorToken: string;
    let publicSlug: string;
    let privateSlug: string;
    let categorySlug: string;
    const clients: Client[] = [];

    async function connect(token?: string): Promise<Client> {
      const client = new Client({ name: "mcp-test", version: "1.0.0" });
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } }));
      clients.push(client);
      return client;
    }
    const http = (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);

    beforeAll(async () => {
      rt = await createTestRuntime(mode);
      const { fetch: handle } = createApp(rt);
      server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request, srv) => handle(request, srv) });
      base = `http://127.0.0.1:${server.port}`;
      const author = await makeUser(rt.db.db);
      authorToken = (await sessionFor(rt, author)).access_token;
      const category = await makeCategory(rt.db.db, { name: `Code Review ${mode}`, slug: `code-review-${mode}` });
      categorySlug = category.slug;
      const published = await publishViaHttp(http, authorToken, {
        category: category.slug,
        name: `PR Reviewer ${mode}`,
        description: "Reviews pull requests: style, bugs and missing tests",
        code: reviewerZip(),
      });
      publicSlug = published.slug;
      const hidden = await publishViaHttp(http, authorToken, {
        category: category.slug,
        name: `Secret Reviewer ${mode}`,
        description: "Reviews pull requests in private",
        is_public: "false",
        code: reviewerZip(),
      });
      privateSlug = hidden.slug;
      // Validation runs in a worker these tests do not start: the public agent is marked validated by hand.
      await rt.db.db.update(agents).set({ isValidated: true }).where(eq(agents.id, published.id));
      await rt.db.db.update(agentVersions).set({ validationStatus: "passed" }).where(eq(agentVersions.id, published.versions[0]!.id));
      const lowIssue = (n: number) => ({ severity: "low" as const, code: `ruff:E50${n}`, message: `style ${n}`, file: "index.js", line: n });
      await rt.db.db.insert(validationResults).values([
        { versionId: published.versions[0]!.id, checkName: "archive", status: "passed", durationMs: 3, summary: "4 files" },
        {
          versionId: published.versions[0]!.id,
          checkName: "quality",
          status: "passed",
          durationMs: 9,
          summary: "5 style issues",
          score: 0.9,
          issues: [1, 2, 3, 4, 5].map(lowIssue),
        },
      ]);
      await invalidateCatalog(rt);
    }, 60_000);
    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => undefined);
      await server?.stop(true);
      await rt?.close();
    }, 60_000);

    test("initialize and list tools with input and output schemas and annotations", async () => {
      const client = await connect();
      expect(client.getServerVersion()).toMatchObject({ name: "Agent Marketplace API" });
      expect(client.getInstructions()).toContain("search_agents");
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["get_agent", "get_install_instructions", "list_categories", "search_agents", "trending_agents"]);
      for (const tool of tools) {
        expect(tool.description?.length ?? 0).toBeGreaterThan(80);
        expect(tool.inputSchema.type).toBe("object");
        expect(tool.outputSchema?.type).toBe("object");
        expect(tool.annotations?.destructiveHint).toBe(false);
      }
      const search = tools.find((t) => t.name === "search_agents")!;
      expect(Object.keys(search.inputSchema.properties ?? {}).sort()).toEqual(["category", "limit", "offset", "query", "sort", "validated_only"]);
      expect(search.annotations?.readOnlyHint).toBe(true);
      expect(tools.find((t) => t.name === "get_install_instructions")!.annotations?.readOnlyHint).toBe(false);
    });

    test("search_agents ranks as the REST search, filters, and renders a short text", async () => {
      const client = await connect();
      const result = await client.callTool({ name: "search_agents", arguments: { query: "review pull requests", limit: 20 } });
      expect(result.isError).toBeFalsy();
      const page = result.structuredContent as { items: { slug: string }[]; total: number };
      const rest = (await (await http("/api/v1/search/agents?q=review%20pull%20requests&limit=20")).json()) as { items: { slug: string }[]; total: number };
      expect(page.items.map((a) => a.slug)).toEqual(rest.items.map((a) => a.slug));
      expect(page.items.map((a) => a.slug)).toEqual([publicSlug]);
      expect(text(result)).toContain(`${publicSlug}@1.0.0`);

      const inCategory = await client.callTool({ name: "search_agents", arguments: { category: categorySlug, validated_only: true } });
      expect((inCategory.structuredContent as { total: number }).total).toBe(1);
      const otherCategory = await client.callTool({ name: "search_agents", arguments: { query: "review", category: "uncategorized" } });
      expect((otherCategory.structuredContent as { total: number }).total).toBe(0);
      expect(text(otherCategory)).toBe("No agents match.");
    });

    test("get_agent: detail, versions, validation in brief and the README from the archive", async () => {
      const client = await connect();
      const result = await client.callTool({ name: "get_agent", arguments: { slug: publicSlug } });
      expect(result.isError).toBeFalsy();
      const agent = result.structuredContent as Record<string, unknown> & { versions: { version: string }[] };
      const rest = (await (await http(`/api/v1/agents/${publicSlug}`)).json()) as Record<string, unknown>;
      const { validation: _v, readme: _r, ...restShape } = agent;
      expect(restShape as unknown).toEqual(rest);
      expect(agent.versions.map((v) => v.version)).toEqual(["1.0.0"]);
      expect(agent.validation).toEqual({
        version: "1.0.0",
        status: "passed",
        finished_at: null,
        checks: [
          { name: "archive", status: "passed", summary: "4 files", top_issues: [], issues_total: 0 },
          {
            name: "quality",
            status: "passed",
            summary: "5 style issues",
            score: 0.9,
            top_issues: [1, 2, 3].map((n) => ({ severity: "low", code: `ruff:E50${n}`, message: `style ${n}`, file: "index.js", line: n })),
            issues_total: 5,
          },
        ],
      });
      expect(agent.readme).toBe(README);
      expect(text(result)).toContain("validation of 1.0.0: passed (archive passed, quality passed)\nREADME:\n# PR Reviewer");
    });

    test("list_categories and trending_agents", async () => {
      const client = await connect();
      const categories = await client.callTool({ name: "list_categories", arguments: {} });
      const listed = (categories.structuredContent as { categories: { slug: string; agent_count: number }[] }).categories;
      expect(listed.find((c) => c.slug === categorySlug)).toMatchObject({ agent_count: 1 });
      expect(text(categories)).toContain(`- ${categorySlug} "Code Review ${mode}": 1 agents`);

      const quiet = await client.callTool({ name: "trending_agents", arguments: { period: "hour" } });
      expect(quiet.structuredContent).toEqual({ agents: [] });
      expect(text(quiet)).toBe("No public agent had downloads or stars in the last hour.");
      await (await http(`/api/v1/agents/${publicSlug}/download`)).arrayBuffer();
      await rt.downloads.flush();
      await invalidateCatalog(rt);
      const rising = await client.callTool({ name: "trending_agents", arguments: { period: "day", limit: 5 } });
      const trend = (rising.structuredContent as { agents: { agent: { slug: string }; downloads_change: string }[] }).agents;
      expect(trend.map((t) => [t.agent.slug, t.downloads_change])).toEqual([[publicSlug, "New"]]);
    });

    test("get_install_instructions: CLI command, SDK call and a signed URL that downloads the archive", async () => {
      const client = await connect();
      const result = await client.callTool({ name: "get_install_instructions", arguments: { slug: publicSlug } });
      expect(result.isError).toBeFalsy();
      const install = result.structuredContent as { cli: string; sdk: string; version: string; download: { url: string; sha256: string; expires_in: number } };
      expect(install.version).toBe("1.0.0");
      expect(install.cli).toStartWith(`npx agent-marketplace install ${publicSlug}@1.0.0 --dir ./agents/${publicSlug} --url `);
      expect(install.sdk).toContain(`client.install("${publicSlug}", { version: "1.0.0", dir: "./agents/${publicSlug}" })`);
      expect(install.download.expires_in).toBe(rt.env.DOWNLOAD_URL_TTL_SECONDS);
      // The URL is signed for PUBLIC_URL (or S3); the server here listens on another port.
      const signed = new URL(install.download.url);
      const url = signed.origin === "http://127.0.0.1:8000" ? `${base}${signed.pathname}${signed.search}` : signed.href;
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(install.download.sha256);
      expect(text(result)).toContain(`CLI: npx agent-marketplace install ${publicSlug}@1.0.0`);
    });

    test("resources: popular agents listed, README and manifest read by agent:// URI", async () => {
      const client = await connect();
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toEqual([`agent://${publicSlug}`]);
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(["agent://{slug}", "agent://{slug}@{version}"]);

      for (const uri of [`agent://${publicSlug}`, `agent://${publicSlug}@1.0.0`]) {
        const { contents } = await client.readResource({ uri });
        expect(contents).toEqual([
          { uri: `agent://${publicSlug}@1.0.0#README.md`, mimeType: "text/markdown", text: README },
          { uri: `agent://${publicSlug}@1.0.0#agent.json`, mimeType: "application/json", text: AGENT_JSON },
        ]);
      }
      const missing = await client.readResource({ uri: `agent://${publicSlug}@9.9.9` }).catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: -32002, message: expect.stringContaining(`Version '9.9.9' of agent '${publicSlug}' not found`) });
    });

    test("invalid arguments are tool errors that say what is wrong, not crashes", async () => {
      const client = await connect();
      const tooMany = await client.callTool({ name: "search_agents", arguments: { query: "x", limit: 500 } });
      expect(tooMany.isError).toBe(true);
      expect(text(tooMany)).toContain("limit");
      const badSort = await client.callTool({ name: "search_agents", arguments: { sort: "random" } });
      expect(badSort.isError).toBe(true);
      expect(text(badSort)).toContain("sort");
      const noSlug = await client.callTool({ name: "get_agent", arguments: {} });
      expect(noSlug.isError).toBe(true);
      expect(text(noSlug)).toContain("slug");
      const period = await client.callTool({ name: "trending_agents", arguments: { period: "year" } });
      expect(period.isError).toBe(true);
      const unknown = await client.callTool({ name: "get_agent", arguments: { slug: "no-such-agent" } });
      expect(unknown).toEqual({ isError: true, content: [{ type: "text", text: "Agent 'no-such-agent' not found (not_found)" }] });
      const version = await client.callTool({ name: "get_install_instructions", arguments: { slug: publicSlug, version: "2.0.0" } });
      expect(text(version)).toBe(`Version '2.0.0' of agent '${publicSlug}' not found (not_found)`);
      // The server still answers afterwards.
      expect((await client.callTool({ name: "list_categories", arguments: {} })).isError).toBeFalsy();
    });

    test("a private agent is hidden from anonymous calls and visible with its author's token", async () => {
      const anonymous = await connect();
      const search = async (client: Client) =>
        (
          (await client.callTool({ name: "search_agents", arguments: { query: "reviewer", limit: 50 } })).structuredContent as { items: { slug: string }[] }
        ).items.map((a) => a.slug);
      expect(await search(anonymous)).not.toContain(privateSlug);
      const stranger = await connect((await sessionFor(rt, await makeUser(rt.db.db))).access_token);
      expect(await search(stranger)).not.toContain(privateSlug);
      expect(await stranger.callTool({ name: "get_agent", arguments: { slug: privateSlug } })).toMatchObject({ isError: true });
      expect(await anonymous.callTool({ name: "get_agent", arguments: { slug: privateSlug } })).toMatchObject({ isError: true });
      expect(await anonymous.callTool({ name: "get_install_instructions", arguments: { slug: privateSlug } })).toMatchObject({ isError: true });
      expect(await anonymous.readResource({ uri: `agent://${privateSlug}` }).catch((e: unknown) => e)).toMatchObject({ code: -32002 });

      for (const token of [authorToken, await apiTokenFor(rt, { id: (await agentAuthor(rt, privateSlug))! }, ["read"])]) {
        const author = await connect(token);
        expect(await search(author)).toContain(privateSlug);
        const detail = await author.callTool({ name: "get_agent", arguments: { slug: privateSlug } });
        expect(detail.structuredContent).toMatchObject({ slug: privateSlug, is_public: false, readme: README });
        expect((await author.readResource({ uri: `agent://${privateSlug}` })).contents[0]).toMatchObject({ text: README });
      }
    });

    test("a bad token is refused with 401 and a JSON-RPC error, before the protocol runs", async () => {
      const initialize = {
        jsonrpc: "2.0",
        id: 7,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      };
      const res = await http("/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: "Bearer not-a-real-token" },
        body: JSON.stringify(initialize),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
      const body = (await res.json()) as { jsonrpc: string; id: number; error: { code: number; message: string; data: { error: string } } };
      expect(body).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32000, data: { error: "unauthorized" } } });
      expect(body.error.message.length).toBeGreaterThan(5);
      const refused = await connect("not-a-real-token").catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 401 });
    });

    test("plain HTTP edges: GET is 405, a body that is not JSON is a parse error, a foreign Origin is 403, metrics name the route and tools", async () => {
      const get = await http("/mcp", { headers: { accept: "text/event-stream" } });
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      const garbled = await http("/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: "{",
      });
      expect(garbled.status).toBe(400);
      expect(await garbled.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
      const foreign = await http("/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", origin: "http://rebound.example" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
      });
      expect(foreign.status).toBe(403);
      expect(await foreign.json()).toMatchObject({ id: null, error: { code: -32000, data: { error: "forbidden" } } });
      const allowed = await http("/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", origin: rt.env.CORS_ORIGINS[0]! },
        body: JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/list" }),
      });
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get("access-control-allow-origin")).toBe(rt.env.CORS_ORIGINS[0]!);
      const metrics = await (await http("/metrics")).text();
      expect(metrics).toContain('http_requests_total{method="POST",route="/mcp",status="200"}');
      expect(metrics).toMatch(/mcp_call_duration_seconds_count\{kind="tool",name="search_agents",outcome="ok"\} [1-9]/);
      expect(metrics).toMatch(/mcp_call_duration_seconds_count\{kind="resource",name="read",outcome="error"\} [1-9]/);
    });
  });
}

async function agentAuthor(rt: Runtime, slug: string): Promise<number | undefined> {
  const [row] = await rt.db.db.select({ authorId: agents.authorId }).from(agents).where(eq(agents.slug, slug));
  return row?.authorId;
}
