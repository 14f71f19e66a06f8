import { afterAll, describe, expect, test } from "bun:test";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import rootPackage from "../package.json" with { type: "json" };
import { goodNodeAgent } from "../src/testing/sample-agents.ts";
import { unpackArchive } from "./src/node/unpack.ts";

/**
 * The package as a stranger gets it: built, packed with `npm pack`, installed from the tarball
 * into an empty project that has only TypeScript and the peer dependencies, type-checked
 * (strict, no @types/node), and run with Node against a server started from the CLI.
 */
const root = join(import.meta.dir, "..");
const clientDir = import.meta.dir;
const work = await mkdtemp(join(tmpdir(), "client-package-"));
const trpcVersion = (await Bun.file(join(root, "node_modules/@trpc/client/package.json")).json()).version as string;

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function run(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn(cmd, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

async function must(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const result = await run(cmd, cwd, env);
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

describe("the packed client in a fresh project", () => {
  const consumer = join(work, "consumer");

  test("builds, packs and installs from the tarball with only typescript and the peer dependencies", async () => {
    await must([process.execPath, join(root, "scripts/build-client.ts")], root);
    const packed = await must(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", work], clientDir);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = info!.files.map((f) => f.path);
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("dist/node/index.js");
    expect(paths).toContain("bin/agent-marketplace.js");
    expect(paths).toContain("dist/cli/bin.js");
    expect(paths.filter((p) => !p.startsWith("dist/") && p !== "package.json" && p !== "README.md")).toEqual(["bin/agent-marketplace.js"]);

    await mkdir(consumer);
    await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await must(
      [
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        join(work, info!.filename),
        `typescript@${rootPackage.devDependencies.typescript}`,
        `@trpc/client@${trpcVersion}`,
        `@trpc/server@${trpcVersion}`,
      ],
      consumer,
    );
    const installed = JSON.parse(await readFile(join(consumer, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies).sort()).toEqual(["@agent-marketplace/client", "@trpc/client", "@trpc/server", "typescript"]);
    expect(await readdir(join(consumer, "node_modules"))).not.toContain("@types");
    for (const file of ["main.ts", "wrong.ts", "tsconfig.json"]) await cp(join(clientDir, "consumer", file), join(consumer, file));

    // The bin, installed from the tarball: Node alone runs it; the server's commands point to the server binary.
    const cli = join(consumer, "node_modules/.bin/agent-marketplace");
    expect((await must(["node", cli, "--version"], consumer)).stdout).toBe(`${rootPackage.version}\n`);
    const validate = await run(["node", cli, "validate", "."], consumer);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain("validate runs the server's code, which is not in this package");
    expect((await run(["node", cli, "publsh"], consumer)).code).toBe(2);
  }, 240_000);

  test("a program using every helper type-checks (strict, skipLibCheck off); wrong input types do not compile", async () => {
    const tsc = join(consumer, "node_modules/.bin/tsc");
    const started = performance.now();
    const good = await run([tsc, "-p", "tsconfig.json", "--listFiles"], consumer);
    const ms = Math.round(performance.now() - started);
    expect(good.stdout + good.stderr).not.toContain("error TS");
    expect(good.code).toBe(0);
    const loaded = good.stdout.split("\n").filter((l) => l.startsWith("/"));
    // Nothing of the server's runtime reaches a consumer's compiler.
    expect(loaded.filter((f) => /drizzle|pglite|ioredis|aws-sdk|elysia|bun-types|\/pg\//.test(f))).toEqual([]);
    console.log(`consumer type-check: ${loaded.length} files loaded, ${ms} ms`);

    // The same options, on the wrong program.
    await writeFile(
      join(consumer, "tsconfig.wrong.json"),
      JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { noEmit: true }, files: ["wrong.ts"] }),
    );
    const refused = await run([tsc, "-p", "tsconfig.wrong.json"], consumer);
    expect(refused.code).not.toBe(0);
    const lines = await readFile(join(consumer, "wrong.ts"), "utf8").then((t) => t.split("\n"));
    const expected = lines.flatMap((line, i) => (line.startsWith("// WRONG") ? [i + 2] : []));
    const reported = [...refused.stdout.matchAll(/^wrong\.ts\((\d+),\d+\): error (TS\d+)/gm)].map((m) => [Number(m[1]), m[2]]);
    expect(reported.map(([line]) => line)).toEqual(expected);
    expect(reported.map(([, code]) => code)).not.toContain("TS2307");
  }, 120_000);

  test("run with Node against a live server: publish a folder, wait for validation, search, install the same bytes", async () => {
    const dataDir = join(work, "data");
    const serverEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "test" };
    const token = (await must([process.execPath, join(root, "src/main.ts"), "bootstrap-admin", "sdk-admin", "--create"], root, serverEnv)).stdout.trim();
    expect(token).toMatch(/^amp_/);

    const agentDir = join(work, "agent");
    await writeFile(join(work, "good.zip"), goodNodeAgent());
    await unpackArchive(join(work, "good.zip"), join(work, "unpacked"));
    await cp(join(work, "unpacked", "good-node-agent"), agentDir, { recursive: true });
    await mkdir(join(agentDir, "node_modules", "left-pad"), { recursive: true });
    await writeFile(join(agentDir, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
    await writeFile(join(agentDir, ".env"), "TOKEN=never-packed\n");

    const port = await freePort();
    const server = Bun.spawn([process.execPath, join(root, "src/main.ts"), "serve", "--port", String(port)], {
      cwd: root,
      env: serverEnv,
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      let up = false;
      for (let i = 0; i < 600 && !up; i++) {
        up = (await fetch(`${url}/health`).catch(() => null))?.ok === true;
        if (!up) await Bun.sleep(50);
      }
      expect(up).toBe(true);
      const installDir = join(work, "installed");
      const result = await must(["node", join(consumer, "out/main.js")], consumer, {
        AM_URL: url,
        AM_TOKEN: token,
        AM_AGENT_DIR: agentDir,
        AM_INSTALL_DIR: installDir,
      });
      const out = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Record<string, unknown> & {
        packed: string[];
        installed: { files: { path: string }[]; sha256: string; version: string };
        published: { slug: string; sha256: string; size: number };
      };
      expect(out.packed).toEqual(["index.js", "package.json", "test/agent.test.js"]);
      expect(out.sent).toBe(out.published.size);
      expect((out.statuses as string[]).at(-1)).toBe("passed");
      expect(out.report).toMatchObject({ status: "passed" });
      expect(out.found).toContain(out.published.slug);
      expect(out.listed).toContain(out.published.slug);
      expect(out.installed).toMatchObject({ version: "1.0.0", sha256: out.published.sha256 });
      expect(out.downloadedBytes).toBe(out.published.size);
      expect(out.second).toBe("1.0.1");
      expect(out.notFound).toMatchObject({ status: 404, code: "not_found" });
      expect(out.invalid).toEqual(["body.name", "body.version"]);
      expect(out.afterRefresh).toBe("unauthorized");
      const installedPaths = out.installed.files.map((f) => f.path).sort();
      expect(installedPaths).toEqual(out.packed);
      for (const path of installedPaths) expect(await readFile(join(installDir, path))).toEqual(await readFile(join(agentDir, path)));
      expect((await stat(join(installDir, "index.js"))).isFile()).toBe(true);
    } finally {
      server.kill("SIGTERM");
      await server.exited;
    }
  }, 240_000);
});
