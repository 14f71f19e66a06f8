import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { sessionFor } from "../testing/auth.ts";
import { makeCategory, makeUser } from "../testing/factories.ts";
import { TEST_MODES, useTestApp } from "../testing/harness.ts";
import { publishViaHttp } from "../testing/uploads.ts";
import { writeZip, type ZipWriterEntry } from "../testing/zip-writer.ts";

/** Which README and manifest an archive's resource (and get_agent) carries, whatever its layout. */

for (const mode of TEST_MODES) {
  describe(`agent:// resources from archives [${mode}]`, () => {
    const t = useTestApp(mode);

    async function publish(name: string, entries: ZipWriterEntry[]): Promise<{ client: Client; slug: string }> {
      const user = await makeUser(t.rt.db.db);
      const token = (await sessionFor(t.rt, user)).access_token;
      const category = await makeCategory(t.rt.db.db);
      const { slug } = await publishViaHttp(t.fetch, token, { category: category.slug, name: `${name} ${mode}`, code: writeZip(entries, { compress: true }) });
      const client = new Client({ name: "resources-test", version: "1" });
      const fetchInProcess = (input: string | URL | Request, init?: RequestInit) => t.fetch(new URL(String(input)).pathname, init);
      await client.connect(new StreamableHTTPClientTransport(new URL("http://localhost/mcp"), { fetch: fetchInProcess }));
      return { client, slug };
    }

    test("README and package.json at the archive's root; markdown preferred over text", async () => {
      const pkg = JSON.stringify({ name: "root-agent", version: "1.0.0", main: "index.js" });
      const { client, slug } = await publish("Root Layout", [
        { name: "README.txt", data: "plain" },
        { name: "readme.md", data: "# Root agent\n" },
        { name: "package.json", data: pkg },
        { name: "index.js", data: "1;\n" },
      ]);
      const { contents } = await client.readResource({ uri: `agent://${slug}` });
      expect(contents).toEqual([
        { uri: `agent://${slug}@1.0.0#readme.md`, mimeType: "text/markdown", text: "# Root agent\n" },
        { uri: `agent://${slug}@1.0.0#package.json`, mimeType: "application/json", text: pkg },
      ]);
      await client.close();
    });

    test("no README and no manifest: the registry's facts in agent.json's shape", async () => {
      const { client, slug } = await publish("Bare Layout", [{ name: "main.py", data: "print(1)\n" }]);
      const { contents } = await client.readResource({ uri: `agent://${slug}@1.0.0` });
      expect(contents).toHaveLength(1);
      expect(contents[0]).toMatchObject({ uri: `agent://${slug}@1.0.0#registry.json`, mimeType: "application/json" });
      expect(JSON.parse((contents[0] as { text: string }).text)).toEqual({
        name: `Bare Layout ${mode}`,
        description: "An agent published by a test",
        version: "1.0.0",
        public: true,
        changelog: null,
      });
      const detail = await client.callTool({ name: "get_agent", arguments: { slug } });
      expect(detail.structuredContent).toMatchObject({ readme: null });
      await client.close();
    });

    test("a long README is whole in the resource and cut in get_agent; one past 256 KiB is left out", async () => {
      const long = `# Long\n\n${"All work and no play. ".repeat(1000)}`;
      const { client, slug } = await publish("Long Readme", [
        { name: "README.md", data: long },
        { name: "index.js", data: "1;\n" },
      ]);
      expect((await client.readResource({ uri: `agent://${slug}` })).contents[0]).toMatchObject({ text: long });
      const readme = ((await client.callTool({ name: "get_agent", arguments: { slug } })).structuredContent as { readme: string }).readme;
      expect(readme.startsWith(long.slice(0, 16_000))).toBe(true);
      expect(readme).toEndWith(`[…cut at 16000 characters; read the resource agent://${slug} for the whole README]`);
      await client.close();

      const huge = await publish("Huge Readme", [
        { name: "README.md", data: "x".repeat(300 * 1024) },
        { name: "agent.json", data: "{}" },
      ]);
      const { contents } = await huge.client.readResource({ uri: `agent://${huge.slug}` });
      expect(contents.map((c) => c.uri)).toEqual([`agent://${huge.slug}@1.0.0#agent.json`]);
      await huge.client.close();
    });
  });
}
