import { describe, expect, test } from "bun:test";
import { firstFreeSlug, slugify } from "../services/agents/slug.ts";
import { compareSemver, parseSemver } from "./semver.ts";

describe("semver", () => {
  test("parses releases, pre-releases and build metadata; refuses the rest", () => {
    expect(parseSemver("1.2.3")).toEqual({ major: 1, minor: 2, patch: 3, prerelease: null });
    expect(parseSemver("1.0.0-beta.11+build.7")).toEqual({ major: 1, minor: 0, patch: 0, prerelease: "beta.11" });
    for (const bad of ["1.2", "01.2.3", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3.4", "", "99999999999.0.0"]) expect(parseSemver(bad)).toBeNull();
  });

  test("orders by precedence as semver.org says", () => {
    const ordered = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.10.0",
      "2.0.0",
    ];
    const shuffled = [...ordered].reverse().sort((a, b) => compareSemver(parseSemver(a)!, parseSemver(b)!));
    expect(shuffled).toEqual(ordered);
    expect(compareSemver(parseSemver("1.0.0+a")!, parseSemver("1.0.0+b")!)).toBe(0);
  });
});

describe("slugs", () => {
  test("the contract's rule", () => {
    expect(slugify("My Cool Agent")).toBe("my-cool-agent");
    expect(slugify("  --Data   Cruncher--  v2 ")).toBe("data-cruncher-v2");
    expect(slugify("snake_case_agent!!")).toBe("snake_case_agent");
    expect(slugify("Ünïcode Bot")).toBe("ünïcode-bot");
    expect(slugify("a / b \\ c")).toBe("a-b-c");
    expect(slugify("!!!")).toBe("");
  });

  test("a taken slug gets the first free -N", () => {
    expect(firstFreeSlug("bot", new Set())).toBe("bot");
    expect(firstFreeSlug("bot", new Set(["bot", "bot-1", "bot-3"]))).toBe("bot-2");
  });
});
