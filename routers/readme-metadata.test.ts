import { beforeAll, describe, expect, test } from "bun:test";
import { systemContextOf } from "../src/runtime.ts";
import { validateStoredVersion } from "../src/services/validation/run-version.ts";
import { apiTokenFor, bearer } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { addVersionViaHttp, publishViaHttp } from "../src/testing/uploads.ts";
import { writeZip } from "../src/testing/zip-writer.ts";

type Metadata = { license: string | null; repository: string | null; homepage: string | null; keywords: string[] };
type Detail = { metadata: Metadata; has_readme: boolean; versions: { version: string; metadata: Metadata; has_readme: boolean }[] };

const zip = (files: Record<string, string>, root = "") =>
  new Uint8Array(
    writeZip(
      Object.entries(files).map(([name, data]) => ({ name: `${root}${name}`, data })),
      { compress: true },
    ),
  );

/** README and metadata read from the archive when a version is validated (issue 17, point 5). */
for (const mode of TEST_MODES) {
  describe(`README and metadata [${mode}]`, () => {
    const t = useTestApp(mode);
    let token = "";
    let category = "";

    beforeAll(async () => {
      token = await apiTokenFor(t.rt, await makeUser(t.rt.db.db));
      category = (await makeCategory(t.rt.db.db)).slug;
    });

    const settle = (versionId: number) =>
      validateStoredVersion(systemContextOf(t.rt), versionId, { pipeline: { sandbox: { ok: false, reason: "not needed" } } });
    const get = (path: string, auth?: string) => t.fetch(`/api/v1${path}`, auth ? { headers: bearer(auth) } : {});

    test("agent.json wins over package.json field by field; the README is served as Markdown, current and per version", async () => {
      // Each mode has its own database; a word near the agent's name would match it as a typo correction.
      const word = "quillwort";
      const code = zip(
        {
          "README.md": "# Hello\n\nThis agent **forecasts**.\n",
          "agent.json": JSON.stringify({ license: "Apache-2.0", keywords: [word, "Forecast", "forecast", 7] }),
          "package.json": JSON.stringify({
            name: "x",
            main: "index.js",
            license: "MIT",
            repository: "github:octo/weather",
            homepage: "https://octo.example/weather",
            keywords: ["ignored"],
          }),
          "index.js": "console.log(1)\n",
        },
        "pkg/",
      );
      const agent = await publishViaHttp(t.fetch, token, { name: `Metadata Agent ${mode}`, category, code });
      const pending = await get(`/agents/${agent.slug}/readme`);
      expect(pending.status).toBe(404);
      expect(((await pending.json()) as { detail: string }).detail).toContain("validated");

      await settle(agent.versions[0]!.id);
      const detail = (await (await get(`/agents/${agent.slug}`)).json()) as Detail;
      const expected = {
        license: "Apache-2.0",
        repository: "https://github.com/octo/weather",
        homepage: "https://octo.example/weather",
        keywords: [word, "forecast"],
      };
      expect(detail.metadata).toEqual(expected);
      expect(detail.has_readme).toBe(true);
      expect(detail.versions[0]).toMatchObject({ metadata: expected, has_readme: true });

      for (const path of [`/agents/${agent.slug}/readme`, `/agents/${agent.slug}/versions/1.0.0/readme`]) {
        const res = await get(path);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
        expect(res.headers.get("content-security-policy")).toBe("sandbox");
        expect(res.headers.get("x-agent-version")).toBe("1.0.0");
        expect(await res.text()).toBe("# Hello\n\nThis agent **forecasts**.\n");
        const again = await t.fetch(`/api/v1${path}`, { headers: { "if-none-match": res.headers.get("etag")! } });
        expect(again.status).toBe(304);
      }
      expect((await get(`/agents/${agent.slug}/versions/9.9.9/readme`)).status).toBe(404);

      // Keywords count in search: the word is nowhere in the name or description.
      const found = (await (await get(`/search/agents?q=${word}`)).json()) as { items: { slug: string }[] };
      expect(found.items.map((a) => a.slug)).toEqual([agent.slug]);

      // A newer version without README or keywords: the agent's answers follow the current version.
      const v2 = await addVersionViaHttp(t.fetch, token, agent.slug, "2.0.0", zip({ "package.json": '{"name":"x","main":"index.js"}', "index.js": "1\n" }));
      await settle(v2.id);
      const after = (await (await get(`/agents/${agent.slug}`)).json()) as Detail;
      expect(after.has_readme).toBe(false);
      expect(after.metadata).toEqual({ license: null, repository: null, homepage: null, keywords: [] });
      expect((await get(`/agents/${agent.slug}/readme`)).status).toBe(404);
      expect((await get(`/agents/${agent.slug}/versions/1.0.0/readme`)).status).toBe(200);
      expect(((await (await get(`/search/agents?q=${word}`)).json()) as { items: unknown[] }).items).toEqual([]);
    }, 60_000);

    test("pyproject.toml [project] fields; an oversized README is cut at the cap on a character boundary", async () => {
      const big = `# Big\n${"é".repeat(200_000)}`;
      const code = zip({
        "README.md": big,
        "pyproject.toml":
          '[project]\nname = "x"\nlicense = { text = "BSD-3-Clause" }\nkeywords = ["Tide", "ocean"]\n[project.urls]\nHomepage = "https://tide.example"\nSource = "git+https://github.com/octo/tide.git"\n',
        "agent.py": "print(1)\n",
      });
      const agent = await publishViaHttp(t.fetch, token, { name: `Python Metadata ${mode}`, category, code });
      await settle(agent.versions[0]!.id);
      const detail = (await (await get(`/agents/${agent.slug}`)).json()) as Detail;
      expect(detail.metadata).toEqual({
        license: "BSD-3-Clause",
        repository: "https://github.com/octo/tide",
        homepage: "https://tide.example/",
        keywords: ["tide", "ocean"],
      });
      const readme = await (await get(`/agents/${agent.slug}/readme`)).text();
      expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(256 * 1024);
      expect(Buffer.byteLength(readme)).toBeGreaterThan(256 * 1024 - 4);
      expect(big.startsWith(readme)).toBe(true);
    }, 60_000);

    test("manifests that do not parse, and URLs that are not http(s), leave the fields empty and the validation alone", async () => {
      const code = zip({
        "agent.json": "{ not json",
        "package.json": JSON.stringify({ name: "x", main: "index.js", repository: "javascript:alert(1)", homepage: "file:///etc/passwd", license: 42 }),
        "index.js": "1\n",
      });
      const agent = await publishViaHttp(t.fetch, token, { name: `Broken Metadata ${mode}`, category, code });
      expect(await settle(agent.versions[0]!.id)).toBe("validated");
      const detail = (await (await get(`/agents/${agent.slug}`)).json()) as Detail & { validation_status: string };
      expect(detail.metadata).toEqual({ license: null, repository: null, homepage: null, keywords: [] });
      expect(detail.has_readme).toBe(false);
    }, 60_000);
  });
}
