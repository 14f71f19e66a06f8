import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { MarketplaceError } from "../errors.ts";
import { parseManifest, readManifest } from "./manifest.ts";
import { DEFAULT_EXCLUDES, listPackageFiles, packToFile } from "./pack.ts";
import { unpackArchive } from "./unpack.ts";

let work: string;
let dir: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "pack-test-"));
  dir = join(work, "agent");
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function files(tree: Record<string, string>): Promise<void> {
  for (const [path, data] of Object.entries(tree)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
}

const paths = async (manifest?: object | null) =>
  (await listPackageFiles(dir, manifest === undefined ? {} : { manifest: manifest as never })).files.map((f) => f.path);

describe("packing rules", () => {
  test("default excludes: VCS, dependencies, caches, virtualenvs, credential files", async () => {
    await files({
      "index.js": "1",
      ".git/config": "x",
      "node_modules/dep/index.js": "x",
      "lib/node_modules/x.js": "x",
      "__pycache__/a.cpython-312.pyc": "x",
      "pkg/mod.pyc": "x",
      ".venv/bin/python": "x",
      ".env": "SECRET=1",
      ".env.production": "SECRET=1",
      ".env.example": "SECRET=",
      ".npmrc": "//registry/:_authToken=x",
      ".DS_Store": "x",
      "src/agent.py": "2",
    });
    expect(await paths()).toEqual([".env.example", "index.js", "src/agent.py"]);
    expect(DEFAULT_EXCLUDES).toContain("node_modules/");
  });

  test(".gitignore files apply, each relative to its folder, negations included", async () => {
    await files({
      ".gitignore": "*.log\nbuild/\n!keep.log\n",
      "a.log": "x",
      "keep.log": "k",
      "build/out.js": "x",
      "src/.gitignore": "secret.txt\n/local.js\n",
      "src/secret.txt": "x",
      "src/local.js": "x",
      "src/deeper/local.js": "kept: /local.js anchors to src/",
      "src/deeper/secret.txt": "x",
      "src/index.js": "1",
    });
    expect(await paths()).toEqual([".gitignore", "keep.log", "src/.gitignore", "src/deeper/local.js", "src/index.js"]);
  });

  test("manifest exclude adds rules; include alone decides (like npm's files), .gitignore aside, defaults still apply", async () => {
    await files({
      ".gitignore": "dist/\n",
      "dist/index.js": "built",
      "src/index.ts": "source",
      "tests/fixtures/big.bin": "x",
      "tests/a.test.js": "t",
      "node_modules/x/index.js": "x",
      "README.md": "r",
    });
    await writeFile(join(dir, "agent.json"), JSON.stringify({ name: "Packed", exclude: ["tests/fixtures/"] }));
    expect(await paths()).toEqual([".gitignore", "README.md", "agent.json", "src/index.ts", "tests/a.test.js"]);
    const manifest = { include: ["dist/", "README.md", "node_modules/"], exclude: ["*.md"] };
    await writeFile(join(dir, "agent.json"), JSON.stringify(manifest));
    expect(await paths()).toEqual(["agent.json", "dist/index.js"]);
    // An explicit manifest wins over the file; null packs as if there were none.
    expect(await paths({ include: ["src/"] })).toEqual(["agent.json", "src/index.ts"]);
    expect(await paths(null)).toContain("README.md");
  });

  test("a link is refused with its path unless excluded; an empty result is refused", async () => {
    await files({ "index.js": "1" });
    await symlink("/etc/passwd", join(dir, "passwd"));
    const error = (await listPackageFiles(dir).catch((e: unknown) => e)) as MarketplaceError;
    expect(error.code).toBe("invalid_package");
    expect(error.fieldErrors).toEqual([expect.objectContaining({ loc: ["passwd"], type: "link" })]);
    await writeFile(join(dir, "agent.json"), JSON.stringify({ exclude: ["passwd"] }));
    expect(await paths()).toEqual(["agent.json", "index.js"]);
    // agent.json alone is nothing to publish.
    await writeFile(join(dir, "agent.json"), JSON.stringify({ include: ["nothing-matches/"] }));
    const empty = (await listPackageFiles(dir).catch((e: unknown) => e)) as MarketplaceError;
    expect(empty.fieldErrors).toEqual([expect.objectContaining({ type: "empty" })]);
  });

  test("the same folder packs to the same bytes; unpacked, every byte and the executable bit come back", async () => {
    await files({ "index.js": "module.exports = {};\n", "bin/run": "#!/bin/sh\n", "data/blob.bin": "\u0000\u0001binary" });
    await chmod(join(dir, "bin/run"), 0o755);
    const first = await packToFile(dir, join(work, "one.zip"));
    await new Promise((r) => setTimeout(r, 1100));
    await writeFile(join(dir, "index.js"), "module.exports = {};\n"); // new mtime, same content
    const second = await packToFile(dir, join(work, "two.zip"));
    expect(second.sha256).toBe(first.sha256);
    expect(second.sizeBytes).toBe((await readFile(join(work, "two.zip"))).length);
    const unpacked = await unpackArchive(join(work, "one.zip"), join(work, "out"));
    expect(unpacked).toEqual(first.files);
    for (const file of first.files) expect(await readFile(join(work, "out", file.path))).toEqual(await readFile(join(dir, file.path)));
    expect(unpacked.find((f) => f.path === "bin/run")?.executable).toBe(true);
  });
});

describe("agent.json", () => {
  test("every problem is listed at once", () => {
    let error: MarketplaceError | undefined;
    try {
      parseManifest({ name: "x", version: "1.0", public: "yes", include: "src", exlude: ["a"] });
    } catch (e) {
      error = e as MarketplaceError;
    }
    expect(error?.code).toBe("invalid_package");
    expect(error?.fieldErrors.map((e) => [e.loc[1], e.type])).toEqual([
      ["exlude", "extra_forbidden"],
      ["name", "string_length"],
      ["version", "semver"],
      ["public", "bool_type"],
      ["include", "list_type"],
    ]);
  });

  test("a folder without one reads as null; broken JSON is an invalid_package", async () => {
    await files({ "index.js": "1" });
    expect(await readManifest(dir)).toBeNull();
    await writeFile(join(dir, "agent.json"), "{ nope");
    expect(((await readManifest(dir).catch((e: unknown) => e)) as MarketplaceError).code).toBe("invalid_package");
    const good = { name: "Good Agent", description: "Does good things", category: "tools", version: "1.2.3-beta.1", public: false };
    await writeFile(join(dir, "agent.json"), JSON.stringify(good));
    expect(await readManifest(dir)).toEqual(good);
  });
});
