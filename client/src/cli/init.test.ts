import { afterAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./main.ts";

/** `init` and the parser, in process: no server is involved. */
const work = await mkdtemp(join(tmpdir(), "cli-init-"));
afterAll(() => rm(work, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    version: "9.9.9",
    io: {
      env: { HOME: work, XDG_CONFIG_HOME: join(work, "config") },
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      interactive: false,
    },
  });
  return { code, stdout, stderr };
}

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}

const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, "agent.json"), "utf8"));

describe("init", () => {
  test("prefills from pyproject.toml's [project] table (PEP 621), then from Poetry's", async () => {
    const pep621 = await folder("py-agent", {
      "pyproject.toml":
        '[build-system]\nrequires = ["hatchling"]\n\n[project]\nname = "weather-bot"\nversion = "0.3.1"\ndescription = "Answers weather questions"\n\n[tool.ruff]\nline-length = 100\n',
    });
    const result = await cli(["init", pep621, "--category", "productivity"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain("prefilled from pyproject.toml");
    expect(await manifestOf(pep621)).toEqual({
      name: "weather-bot",
      description: "Answers weather questions",
      category: "productivity",
      version: "0.3.1",
      public: true,
      exclude: [],
    });
    const poetry = await folder("poetry-agent", {
      "pyproject.toml": '[tool.poetry]\nname = "poetic"\nversion = "2.0.0"\ndescription = "Writes short poems on request"\n',
    });
    expect((await cli(["init", poetry, "--private"])).code).toBe(0);
    expect(await manifestOf(poetry)).toMatchObject({ name: "poetic", version: "2.0.0", public: false, category: "other" });
  });

  test("without a package file: the folder's name, a placeholder description, 0.1.0; --json answers the manifest", async () => {
    const bare = await folder("bare-agent", { "main.py": "print('hi')\n" });
    const result = await cli(["init", bare, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ prefilled_from: null, manifest: { name: "bare-agent", version: "0.1.0" } });
    expect((await manifestOf(bare)).description.length).toBeGreaterThanOrEqual(10);
  });

  test("refuses to overwrite without --force, and a bad --version with the field named (exit 1)", async () => {
    const dir = await folder("again", { "package.json": JSON.stringify({ name: "@scope/again-agent", version: "1.2.3", description: "An agent made twice" }) });
    expect((await cli(["init", dir])).code).toBe(0);
    expect((await manifestOf(dir)).name).toBe("again-agent");
    const again = await cli(["init", dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists (--force overwrites it)");
    const bad = await cli(["init", dir, "--force", "--version", "one"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("agent.json.version: version must be semver");
    expect((await manifestOf(dir)).version).toBe("1.2.3");
  });
});

describe("parsing", () => {
  test("usage errors are exit 2 on stderr with the command's help pointer; --version and --help are 0", async () => {
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: "9.9.9\n", stderr: "" });
    expect(await cli(["search", "-V"])).toMatchObject({ code: 0, stdout: "9.9.9\n" });
    const unknown = await cli(["pubish"]);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toBe("error: unknown command 'pubish' (did you mean 'publish'?)\nRun 'agent-marketplace --help' for usage.\n");
    const flag = await cli(["publish", "--wiat"]);
    expect(flag.stderr).toBe("error: unknown option --wiat (did you mean --wait?)\nRun 'agent-marketplace publish --help' for usage.\n");
    expect((await cli(["admin", "jobs"])).code).toBe(2);
    const group = await cli(["admin", "jobs", "--help"]);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain("admin jobs retry ID");
    expect(group.stdout).not.toContain("admin users");
    const role = await cli(["admin", "users", "role", "someone", "owner"]);
    expect(role).toMatchObject({ code: 2 });
    expect(role.stderr).toContain("ROLE must be admin or user, not 'owner'");
  });
});
