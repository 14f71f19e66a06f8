import { beforeAll, describe, expect, test } from "bun:test";
import { bearer, sessionFor } from "../src/testing/auth.ts";
import { makeAgent, makeCategory, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";

type Summary = { slug: string; name: string; category: string; rating: number; downloads: number; stars: number };
type Page = { items: Summary[]; total: number; limit: number; offset: number; has_more: boolean };

for (const mode of TEST_MODES) {
  describe(`search [${mode}]`, () => {
    const t = useTestApp(mode);
    const ctx = { category: "", authorToken: "", author: "" };
    const slugs = async (path: string, headers: Record<string, string> = {}) => {
      const res = await t.fetch(`/api/v1${path}`, { headers });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      return ((await res.json()) as Page).items.map((a) => a.slug);
    };

    beforeAll(async () => {
      const db = t.rt.db.db;
      const author = await makeUser(db, { username: `weatherwise-${mode}` });
      ctx.author = author.username;
      ctx.authorToken = (await sessionFor(t.rt, author)).access_token;
      const category = await makeCategory(db);
      ctx.category = category.slug;
      const agent = (slug: string, name: string, description: string, extra: Parameters<typeof makeAgent>[2] = {}) =>
        makeAgent(db, author.id, { slug, name, description, ...extra });
      await agent("weather-now", "Weather Now", "Current weather conditions for any city", {
        downloads: 10,
        categoryId: category.id,
        ratingSum: 9,
        reviewCount: 2,
      });
      await agent("trip-packer", "Trip Packer", "Checks the weather forecast and writes a packing list", { downloads: 5_000, stars: 90 });
      await agent("cov-100", "Coverage 100% Checker", "Fails the build below full test coverage");
      await agent("cov-1000", "Coverage 1000 Lines", "Counts lines of coverage reports");
      await agent("snake-lint", "snake_case Linter", "Enforces snake case names");
      await agent("snakey", "Snakexcase Formatter", "Formats identifiers");
      await agent("twin-a", "Invoice Twin", "Sends invoice reminders", { downloads: 3 });
      await agent("twin-b", "Invoice Twin", "Sends invoice reminders", { downloads: 300 });
      await agent("secret-weather", "Weather Secret", "A private weather agent", { isPublic: false });
      for (let i = 0; i < 12; i++) await agent(`weather-helper-${i}`, `Weather Helper ${i}`, "Yet another forecast bot", { downloads: i });
    });

    test("name matches rank above description matches, and popularity breaks ties", async () => {
      const found = await slugs("/search/agents?q=weather&limit=3");
      expect(found[0]).toBe("weather-now");
      expect(found).not.toContain("trip-packer");
      expect(await slugs("/search/agents?q=weather&limit=100")).toContain("trip-packer");
      expect((await slugs("/search/agents?q=invoice twin")).slice(0, 2)).toEqual(["twin-b", "twin-a"]);
    });

    test("% and _ are literal characters, never wildcards", async () => {
      expect(await slugs("/search/agents?q=%25")).toEqual(["cov-100"]);
      expect(await slugs("/search/agents?q=_")).toEqual(["snake-lint"]);
      expect((await slugs("/search/agents?q=100%25"))[0]).toBe("cov-100");
      expect((await slugs("/search/agents?q=snake_case"))[0]).toBe("snake-lint");
      const suggest = async (q: string) => ((await (await t.fetch(`/api/v1/search/suggestions?q=${q}`)).json()) as { suggestions: string[] }).suggestions;
      expect(await suggest("%25")).toEqual(["Coverage 100% Checker"]);
      expect(await suggest("_")).toEqual(["snake_case Linter"]);
    });

    test("filters and every sort; empty q browses; the page shape holds", async () => {
      expect(await slugs(`/search/agents?q=weather&category=${ctx.category}`)).toEqual(["weather-now"]);
      expect(await slugs("/search/agents?q=weather&min_rating=4")).toEqual(["weather-now"]);
      expect(await slugs("/search/agents?q=weather&min_rating=4.6")).toEqual([]);
      expect((await slugs("/search/agents?q=weather&sort=downloads"))[0]).toBe("trip-packer");
      expect((await slugs("/search/agents?q=weather&sort=stars"))[0]).toBe("trip-packer");
      expect((await slugs("/search/agents?q=weather&sort=rating"))[0]).toBe("weather-now");
      expect((await slugs("/search/agents?q=weather&sort=created_at"))[0]).toBe("weather-helper-11");
      expect((await slugs("/search/agents?sort=relevance&limit=1"))[0]).toBe("trip-packer");
      expect((await slugs("/search/agents?sort=created_at&limit=1"))[0]).toBe("weather-helper-11");
      const page = (await (await t.fetch("/api/v1/search/agents?q=weather helper&limit=5&offset=10")).json()) as Page;
      expect(page).toMatchObject({ total: 12, limit: 5, offset: 10, has_more: false });
      expect(page.items).toHaveLength(2);
      const beyond = (await (await t.fetch("/api/v1/search/agents?q=weather helper&offset=50")).json()) as Page;
      expect(beyond).toMatchObject({ items: [], total: 12, has_more: false });
      for (const bad of ["sort=name", "min_rating=6", "limit=0", "limit=101", "offset=-1", `q=${"a".repeat(201)}`]) {
        expect({ bad, status: (await t.fetch(`/api/v1/search/agents?${bad}`)).status }).toEqual({ bad, status: 422 });
      }
    });

    test("any 200 characters of Unicode are answered, never a 500 (NUL is a 422, as in all text input)", async () => {
      const samples = [
        "🙂".repeat(200),
        "\u0000 nul \u0000",
        "'\\:*&|!()<->{}[]\"",
        "مرحبا بالعالم", // right to left
        "e\u0301\u0301\u0301", // combining marks
        "日本語のエージェント",
        " ".repeat(200),
      ];
      let seed = 7;
      for (let i = 0; i < 25; i++) {
        samples.push(
          Array.from({ length: 200 }, () => {
            seed = (seed * 48_271) % 2_147_483_647;
            const cp = seed % 0x10ffff;
            return cp >= 0xd800 && cp <= 0xdfff ? "x" : String.fromCodePoint(cp);
          }).join(""),
        );
      }
      for (const q of samples) {
        for (const path of ["/search/agents", "/search/suggestions", "/search"]) {
          const res = await t.fetch(`/api/v1${path}?q=${encodeURIComponent(q)}`);
          const expected = q.includes("\u0000") ? 422 : 200;
          expect({ path, q: q.slice(0, 12), status: res.status }).toEqual({ path, q: q.slice(0, 12), status: expected });
        }
      }
      expect((await t.fetch(`/api/v1/search/agents?q=${encodeURIComponent("🙂".repeat(201))}`)).status).toBe(422);
      // Bytes that are not UTF-8 (a lone surrogate's encoding, 0xFF) arrive as replacement characters.
      for (const raw of ["%ED%A0%80", "%FF%FE", "%C0%AF"]) expect((await t.fetch(`/api/v1/search/agents?q=${raw}`)).status).toBe(200);
    }, 60_000);

    test("suggestions: names starting with the text first, at most 10, private ones only for their author", async () => {
      const get = async (q: string, headers: Record<string, string> = {}) =>
        ((await (await t.fetch(`/api/v1/search/suggestions?q=${encodeURIComponent(q)}`, { headers })).json()) as { suggestions: string[] }).suggestions;
      const weather = await get("weath");
      expect(weather).toHaveLength(10);
      expect(weather.every((name) => name.toLowerCase().startsWith("weath"))).toBe(true);
      expect(weather).not.toContain("Weather Secret");
      expect(await get("weather s", bearer(ctx.authorToken))).toContain("Weather Secret");
      expect((await get("helper"))[0]).toMatch(/^Weather Helper/);
      expect(await get("packer")).toEqual(["Trip Packer"]);
      expect((await t.fetch("/api/v1/search/suggestions?q=")).status).toBe(422);
    });

    test("answers carry an ETag that varies with Authorization; If-None-Match gives 304 until the answer changes", async () => {
      const path = "/api/v1/search/agents?q=weather";
      const first = await t.fetch(path);
      const etag = first.headers.get("etag");
      expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
      expect(first.headers.get("vary")).toContain("Authorization");
      const again = await t.fetch(path, { headers: { "if-none-match": etag! } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe("");
      await t.fetch(`/api/v1/agents/weather-now`, {
        method: "PATCH",
        headers: { ...bearer(ctx.authorToken), "content-type": "application/json" },
        body: JSON.stringify({ description: "Current weather, now with radar" }),
      });
      expect((await t.fetch(path, { headers: { "if-none-match": etag! } })).status).toBe(200);
    });

    test("/search answers agents and users, filtered by type; private agents stay hidden", async () => {
      const get = async (query: string, headers: Record<string, string> = {}) =>
        (await (await t.fetch(`/api/v1/search?${query}`, { headers })).json()) as { agents: Summary[]; users: { username: string }[]; total: number };
      const both = await get("q=weatherwise");
      expect(both.users.map((u) => u.username)).toEqual([ctx.author]);
      const weather = await get("q=weather&limit=2");
      expect(weather.agents).toHaveLength(2);
      expect(weather.total).toBe(15); // 14 public weather agents and one user
      expect((await get("q=weather&type=users")).agents).toEqual([]);
      expect((await get("q=weather&type=agents")).users).toEqual([]);
      expect((await get("q=weathr&type=users")).users.map((u) => u.username)).toEqual([ctx.author]);
      expect(JSON.stringify(await get("q=secret"))).not.toContain("secret-weather");
      expect(JSON.stringify(await get("q=secret", bearer(ctx.authorToken)))).toContain("secret-weather");
      expect((await t.fetch("/api/v1/search")).status).toBe(422);
    });
  });
}
