import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../../src/app.ts";
import { type Runtime, startJobWorker } from "../../../src/runtime.ts";
import { apiTokenFor } from "../../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../../src/testing/factories.ts";
import { fakeGitHubUser, startFakeGitHub } from "../../../src/testing/fake-github.ts";
import { createTestRuntime } from "../../../src/testing/harness.ts";
import { waitFor } from "../../../src/testing/redis-test-support.ts";
import { awsKeyLeakAgent, goodNodeAgent } from "../../../src/testing/sample-agents.ts";
import { createMarketplaceClient, type NodeMarketplaceClient } from "../node/index.ts";
import { unpackArchive } from "../node/unpack.ts";

/**
 * The CLI end to end, as a user runs it: `npx agent-marketplace` on Node (PATH holds no bun) and
 * the compiled binary, each against a live server (PostgreSQL, Redis, S3, a job worker) whose
 * GitHub is the fake one. Every admin command is checked through the API afterwards.
 */
const root = join(import.meta.dir, "../../..");
const binary = join(root, "dist", "agent-marketplace");
const work = await mkdtemp(join(tmpdir(), "cli-e2e-"));
const github = startFakeGitHub();
let rt: Runtime;
let server: ReturnType<typeof Bun.serve>;
let worker: { stop(opts?: { graceMs?: number }): Promise<void> };
let url = "";
let api: NodeMarketplaceClient;
let adminToken = "";
let categorySlug = "";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Runner {
  name: string;
  argv: (args: string[]) => string[];
  cwd: string;
}

const runners: Runner[] = [
  // `--`: npm reads its own flags placed right after the name (`npx agent-marketplace --version` is npm's version).
  { name: "npx on Node", argv: (args) => ["npx", "--no", "--", "agent-marketplace", ...args], cwd: root },
  { name: "compiled binary", argv: (args) => [binary, ...args], cwd: work },
];

function envFor(home: string, extra: Record<string, string> = {}): Record<string, string> {
  // Only Node on PATH: no bun (the npm bin finds the repository's own when it needs it).
  return { PATH: "/usr/bin:/bin", HOME: home, XDG_CONFIG_HOME: join(home, "config"), AGENT_MARKETPLACE_URL: url, ...extra };
}

async function run(runner: Runner, args: string[], env: Record<string, string>, cwd = runner.cwd): Promise<Result> {
  const proc = Bun.spawn(runner.argv(args), { cwd, env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

async function must(runner: Runner, args: string[], env: Record<string, string>): Promise<Result> {
  const result = await run(runner, args, env);
  if (result.code !== 0) throw new Error(`${args.join(" ")} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Unpacks a sample archive into `dir` (the archive may wrap its files in one folder). */
async function sampleFolder(zip: Uint8Array, dir: string): Promise<void> {
  const file = `${dir}.zip`;
  await writeFile(file, zip);
  const staging = `${dir}.unpacked`;
  await unpackArchive(file, staging);
  const entries = await readdir(staging);
  const inner = entries.length === 1 && (await stat(join(staging, entries[0]!))).isDirectory() ? join(staging, entries[0]!) : staging;
  await cp(inner, dir, { recursive: true });
}

beforeAll(async () => {
  // One build of each program for the file: the npm bin's dist and the server binary.
  for (const script of ["scripts/build-client.ts", "scripts/build.ts"]) {
    const built = Bun.spawnSync([process.execPath, join(root, script)], { cwd: root, stdout: "pipe", stderr: "pipe" });
    if (built.exitCode !== 0) throw new Error(`${script} failed: ${built.stderr.toString()}`);
  }
  rt = await createTestRuntime("services", { ...github.env, GITHUB_TIMEOUT_MS: "2000" });
  const { fetch } = createApp(rt);
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, maxRequestBodySize: rt.env.MAX_UPLOAD_BYTES + 1024 * 1024, fetch: (r, s) => fetch(r, s) });
  worker = startJobWorker(rt, { concurrency: 2 });
  url = `http://127.0.0.1:${server.port}`;
  const admin = await makeUser(rt.db.db, { role: "admin", username: `cli-admin-${Date.now().toString(36)}` });
  adminToken = await apiTokenFor(rt, admin, ["read", "publish", "admin"]);
  api = createMarketplaceClient({ url, token: adminToken });
  categorySlug = (await makeCategory(rt.db.db)).slug;
}, 240_000);

afterAll(async () => {
  await worker?.stop({ graceMs: 5000 });
  await server?.stop(true);
  await rt?.close();
  github.close();
  await rm(work, { recursive: true, force: true });
});

for (const runner of runners) {
  describe(`agent-marketplace CLI, ${runner.name}`, () => {
    const tag = `${runner.name.startsWith("npx") ? "n" : "b"}${Date.now().toString(36)}`;
    const base = join(work, tag);
    const adminHome = join(base, "admin-home");
    const publisherHome = join(base, "publisher-home");
    const agentDir = join(base, "agent");
    const leakDir = join(base, "leak");
    const publisherLogin = `pub-${tag}`;
    let slug = "";
    let publisherToken = "";

    beforeAll(async () => {
      await mkdir(base, { recursive: true });
      await sampleFolder(goodNodeAgent(), agentDir);
      await sampleFolder(awsKeyLeakAgent(), leakDir);
    });

    test("usage errors exit 2 with a suggestion, --version and --help exit 0, and nothing creates ./data", async () => {
      const empty = join(base, "empty-cwd");
      await mkdir(empty, { recursive: true });
      const env = envFor(base);
      // npx finds the bin of the project it runs in; the binary runs anywhere.
      const cwd = runner.name.startsWith("npx") ? runner.cwd : empty;
      const cases: [string[], number, RegExp][] = [
        [["migrte"], 2, /unknown command 'migrte' \(did you mean 'migrate'\?\)/],
        [["--prot", "9001"], 2, /unknown option --prot \(did you mean 'agent-marketplace serve --port'\?\)/],
        [["serch", "x"], 2, /did you mean 'search'/],
        [["search", "weather", "--categroy", "x"], 2, /unknown option --categroy \(did you mean --category\?\)/],
        [["install"], 2, /missing argument SLUG\[@VERSION\]/],
        [["admin", "users", "blok", "x"], 2, /did you mean 'admin users block'/],
        [["info", "a", "b"], 2, /unexpected argument 'b'/],
        [["login", "github-oidc"], 2, /ACTIONS_ID_TOKEN_REQUEST_URL/],
      ];
      for (const [args, code, message] of cases) {
        const result = await run(runner, args, env, cwd);
        expect({ args, code: result.code }).toEqual({ args, code });
        expect(result.stderr).toMatch(message);
        expect(result.stdout).toBe("");
      }
      const version = await run(runner, ["--version"], env, cwd);
      expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
      const help = await run(runner, ["--help"], env, cwd);
      expect(help.code).toBe(0);
      for (const command of ["init [DIR]", "validate [DIR]", "publish [DIR]", "admin users create LOGIN", "admin jobs retry ID"])
        expect(help.stdout).toContain(command);
      const sub = await run(runner, ["admin", "users", "create", "--help"], env, cwd);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain("Usage: agent-marketplace admin users create LOGIN");
      // The npm bin itself, from a folder outside the project.
      const direct = Bun.spawn(["node", join(root, "node_modules/.bin/agent-marketplace"), "migrte"], { cwd: empty, env, stderr: "pipe" });
      expect(await direct.exited).toBe(2);
      expect(await new Response(direct.stderr).text()).toContain("did you mean 'migrate'");
      expect(await readdir(empty)).toEqual([]);
      expect(existsSync(join(runner.cwd, "data"))).toBe(false);
    }, 120_000);

    test("init writes agent.json from package.json; validate passes a good agent (exit 0) and fails a leaking one with the reasons (exit 1)", async () => {
      const env = envFor(base);
      const init = await must(runner, ["init", agentDir, "--category", categorySlug, "--name", `CLI Agent ${tag}`], env);
      expect(init.stdout).toContain("prefilled from package.json");
      const manifest = JSON.parse(await readFile(join(agentDir, "agent.json"), "utf8"));
      expect(manifest).toEqual({
        name: `CLI Agent ${tag}`,
        description: "Sample agent good-node-agent",
        category: categorySlug,
        version: "1.0.0",
        public: true,
        exclude: [],
      });
      const again = await run(runner, ["init", agentDir], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("already exists");

      const good = await run(runner, ["validate", agentDir], env);
      expect(good.stderr).toContain("packed 4 files");
      expect(good.stdout).toContain("validation passed");
      expect(good.stdout).toMatch(/passed\s+tests\s+node --test: 2 passed/);
      expect(good.code).toBe(0);

      const bad = await run(runner, ["validate", leakDir, "--json"], env);
      expect(bad.code).toBe(1);
      const report = JSON.parse(bad.stdout) as { status: string; checks: { name: string; status: string; issues: { code: string }[] }[] };
      expect(report.status).toBe("failed");
      const security = report.checks.find((c) => c.name === "security")!;
      expect(security.status).toBe("failed");
      expect(security.issues.map((i) => i.code)).toContain("aws_access_key_id");
      const human = await run(runner, ["validate", leakDir], env);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(/failed\s+security/);
      expect(human.stdout).toContain("[critical] aws_access_key_id config.js:3");
    }, 180_000);

    test("login --token stores it (0600, never printed); whoami shows the scopes; admin users create prints a publish token", async () => {
      const env = envFor(adminHome);
      const login = await must(runner, ["login", "--token", adminToken], env);
      expect(login.stdout + login.stderr).not.toContain(adminToken);
      const file = join(adminHome, "config", "agent-marketplace", "credentials.json");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(await readFile(file, "utf8"));
      expect(stored.servers[url]).toMatchObject({ kind: "api_token", access_token: adminToken });

      const whoami = await must(runner, ["whoami", "--json"], env);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ role: "admin", scopes: ["read", "publish", "admin"] });
      expect(whoami.stdout).not.toContain(adminToken);

      const bad = await run(runner, ["login", "--token", "amp_not-a-real-token"], envFor(join(base, "nobody")));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("HTTP 401");
      expect(existsSync(join(base, "nobody", "config", "agent-marketplace", "credentials.json"))).toBe(false);

      const created = await must(runner, ["admin", "users", "create", publisherLogin], env);
      expect(created.stdout).toMatch(/^amp_[a-z2-7]+\n$/);
      publisherToken = created.stdout.trim();
      const users = await api.adminUsers.list.query({ search: publisherLogin });
      expect(users.items).toEqual([expect.objectContaining({ username: publisherLogin, role: "user", github_id: null })]);
      const dup = await run(runner, ["admin", "users", "create", publisherLogin], env);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain(`A user with the login '${publisherLogin}' already exists (HTTP 409 conflict)`);
    }, 120_000);

    test("login by GitHub's device flow claims the account made for it; publish --wait, search, info, install the same bytes, a new version", async () => {
      const env = envFor(publisherHome);
      const proc = Bun.spawn(runner.argv(["login"]), { cwd: runner.cwd, env, stdout: "pipe", stderr: "pipe" });
      const decoder = new TextDecoder();
      let shown = "";
      const reader = proc.stderr.getReader();
      let code: RegExpExecArray | null = null;
      while (!code) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`login ended before showing a code: ${shown}`);
        shown += decoder.decode(value);
        code = /open (\S+) and enter the code: (\S+)/.exec(shown);
      }
      expect(code[1]).toBe(`${github.url}/login/device`);
      const person = fakeGitHubUser({ login: publisherLogin });
      github.approveDevice(code[2]!, person);
      reader.releaseLock();
      const [stdout, exit] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
      expect(exit).toBe(0);
      expect(stdout).toContain(`Logged in to ${url} as ${publisherLogin}`);
      const stored = JSON.parse(await readFile(join(publisherHome, "config", "agent-marketplace", "credentials.json"), "utf8")).servers[url];
      expect(stored).toMatchObject({ kind: "session", username: publisherLogin });
      expect(stdout + shown).not.toContain(stored.access_token);
      const linked = await api.adminUsers.list.query({ search: publisherLogin });
      expect(linked.items[0]).toMatchObject({ github_id: person.id });
      expect(JSON.parse((await must(runner, ["whoami", "--json"], env)).stdout)).toMatchObject({
        username: publisherLogin,
        credential: "session",
        scopes: ["read", "publish"],
      });

      // An access token about to expire is refreshed with the stored refresh token, and the file updated.
      const credentialsFile = join(publisherHome, "config", "agent-marketplace", "credentials.json");
      const file = JSON.parse(await readFile(credentialsFile, "utf8"));
      file.servers[url].expires_at = new Date(Date.now() + 10_000).toISOString();
      await writeFile(credentialsFile, JSON.stringify(file));
      await must(runner, ["whoami"], env);
      const refreshed = JSON.parse(await readFile(credentialsFile, "utf8")).servers[url];
      expect(refreshed.access_token).not.toBe(stored.access_token);
      expect(refreshed.refresh_token).not.toBe(stored.refresh_token);
      expect(Date.parse(refreshed.expires_at)).toBeGreaterThan(Date.now() + 60_000);
      expect((await stat(credentialsFile)).mode & 0o777).toBe(0o600);
      await expect(createMarketplaceClient({ url, token: stored.access_token }).auth.me.query()).rejects.toMatchObject({ status: 401 });

      const published = await run(runner, ["publish", agentDir, "--wait", "--json"], env);
      expect(published.stderr).toContain("(new agent");
      expect(published.code).toBe(0);
      const answer = JSON.parse(published.stdout) as { slug: string; version: string; sha256: string; validation_status: string };
      expect(answer).toMatchObject({ version: "1.0.0", validation_status: "passed" });
      slug = answer.slug;
      const agent = await api.agents.get.query({ slug });
      expect(agent).toMatchObject({ name: `CLI Agent ${tag}`, author: { username: publisherLogin }, validation_status: "passed", category: categorySlug });

      const search = await must(runner, ["search", `CLI Agent ${tag}`], env);
      expect(search.stdout.split("\n")[0]).toMatch(/^SLUG\s+VERSION\s+STATUS/);
      expect(search.stdout).toContain(slug);
      const searchJson = JSON.parse((await must(runner, ["search", `CLI Agent ${tag}`, "--json"], env)).stdout) as { items: { slug: string }[] };
      expect(searchJson.items.map((i) => i.slug)).toContain(slug);
      const info = await must(runner, ["info", slug], env);
      expect(info.stdout).toContain(`CLI Agent ${tag} (${slug})`);
      expect(info.stdout).toMatch(/1\.0\.0\s+passed/);
      expect(info.stdout).toContain(answer.sha256);

      const installDir = join(base, "installed");
      const installed = await must(runner, ["install", `${slug}@1.0.0`, "--dir", installDir], envFor(join(base, "anonymous")));
      expect(installed.stdout).toContain(`installed ${slug}@1.0.0`);
      const files = (await readdir(installDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
      expect(files.map((f) => f.slice(installDir.length + 1)).sort()).toEqual(["agent.json", "index.js", "package.json", "test/agent.test.js"]);
      for (const f of files) expect(await readFile(f)).toEqual(await readFile(join(agentDir, f.slice(installDir.length + 1))));
      const taken = await run(runner, ["install", slug, "--dir", installDir], env);
      expect(taken.code).toBe(1);

      const manifestPath = join(agentDir, "agent.json");
      await writeFile(manifestPath, JSON.stringify({ ...JSON.parse(await readFile(manifestPath, "utf8")), version: "1.0.1" }));
      const second = await run(runner, ["publish", agentDir, "--wait", "--changelog", "second"], env);
      expect(second.stderr).toContain(`published ${slug}@1.0.1 (new version`);
      expect(second.stdout).toContain("validation passed");
      expect(second.code).toBe(0);
      const versions = await api.versions.list.query({ slug });
      expect(versions.items.map((v) => [v.version, v.validation_status])).toEqual([
        ["1.0.1", "passed"],
        ["1.0.0", "passed"],
      ]);
      const flagged = await must(runner, ["publish", agentDir, "--version", "1.0.2"], env);
      expect(flagged.stderr).toContain(`published ${slug}@1.0.2 (new version`);
      expect(flagged.stdout).toContain(`queued for validation: 'agent-marketplace info ${slug}' shows the outcome`);
      const same = await run(runner, ["publish", agentDir], env);
      expect(same.code).toBe(1);
      expect(same.stderr).toContain("already exists");

      await rm(join(leakDir, "agent.json"), { force: true });
      await must(runner, ["init", leakDir, "--category", categorySlug, "--name", `Leaky ${tag}`], env);
      const leaky = await run(runner, ["publish", leakDir, "--wait"], env);
      expect(leaky.code).toBe(1);
      expect(leaky.stdout).toContain("validation failed");
      expect(leaky.stdout).toContain("aws_access_key_id");
    }, 240_000);

    test("logout forgets the token and revokes the session on the server", async () => {
      const env = envFor(publisherHome);
      const file = join(publisherHome, "config", "agent-marketplace", "credentials.json");
      const { access_token } = JSON.parse(await readFile(file, "utf8")).servers[url];
      const out = await must(runner, ["logout"], env);
      expect(out.stdout).toContain(`Logged out of ${url}`);
      expect(existsSync(file)).toBe(false);
      await expect(createMarketplaceClient({ url, token: access_token }).auth.me.query()).rejects.toMatchObject({ status: 401 });
      const whoami = await run(runner, ["whoami"], env);
      expect(whoami.code).toBe(1);
      expect(whoami.stderr).toContain(`Not logged in to ${url}`);
    }, 60_000);
    test("every admin command, checked through the API", async () => {
      const env = envFor(adminHome);
      const refused = await run(runner, ["admin", "users", "list", "--token", publisherToken], envFor(publisherHome));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("Admin access required (HTTP 403 forbidden)");

      const list = await must(runner, ["admin", "users", "list", "--search", publisherLogin], env);
      expect(list.stdout).toMatch(new RegExp(`\\d+\\s+${publisherLogin}\\s+user\\s+active`));
      const user = async () => (await api.adminUsers.list.query({ search: publisherLogin })).items[0]!;

      await must(runner, ["admin", "users", "role", publisherLogin, "admin"], env);
      expect((await user()).role).toBe("admin");
      await must(runner, ["admin", "users", "role", publisherLogin, "user"], env);
      expect((await user()).role).toBe("user");
      await must(runner, ["admin", "users", "block", publisherLogin, "--reason", "Spam in every description"], env);
      expect(await user()).toMatchObject({ is_blocked: true, blocked_reason: "Spam in every description" });
      const tooShort = await run(runner, ["admin", "users", "block", publisherLogin, "--reason", "short"], env);
      expect(tooShort.code).toBe(1);
      expect(tooShort.stderr).toContain("(HTTP 422 validation_error)");
      expect(tooShort.stderr).toMatch(/\n {2}body\.blocked_reason: .+/);
      await must(runner, ["admin", "users", "unblock", publisherLogin], env);
      expect((await user()).is_blocked).toBe(false);
      const unknown = await run(runner, ["admin", "users", "block", "nobody-at-all-here"], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain("No user with the login 'nobody-at-all-here'");

      const created = await must(runner, ["admin", "categories", "create", `Moved Here ${tag}`], env);
      const newSlug = `moved-here-${tag}`;
      expect(created.stdout).toContain(`created category ${newSlug}`);
      expect(await api.categories.get.query({ slug: newSlug })).toMatchObject({ name: `Moved Here ${tag}` });
      await must(runner, ["admin", "agents", "move", slug, newSlug], env);
      expect((await api.agents.get.query({ slug })).category).toBe(newSlug);

      const jobs = await must(runner, ["admin", "jobs", "list", "--json"], env);
      expect(JSON.parse(jobs.stdout)).toEqual(await api.adminJobs.overview.query());
      const retry = await run(runner, ["admin", "jobs", "retry", "no-such-job"], env);
      expect(retry.code).toBe(1);
      expect(retry.stderr).toContain("HTTP 404 not_found");

      // A real dead letter: a job whose payload its handler refuses is buried by the worker at once.
      const jobId = `cli-dead-${tag}`;
      const forged = { id: jobId, name: "validate-version", queue: "default", payload: { versionId: "not a number" }, attempt: 1, enqueuedAt: Date.now() };
      await rt.redis!.lpush(`${rt.env.REDIS_PREFIX}q:default`, JSON.stringify(forged));
      const deadEntry = async () => (await api.adminJobs.overview.query()).dead.find((job) => job.id === jobId);
      await waitFor("the forged job to be dead-lettered", async () => (await deadEntry()) !== undefined, { timeoutMs: 20_000 });
      const listed = JSON.parse((await must(runner, ["admin", "jobs", "list", "--json"], env)).stdout) as { dead: { id: string }[] };
      expect(listed.dead.map((job) => job.id)).toContain(jobId);
      const firstFailure = (await deadEntry())!.failed_at;
      const retried = await must(runner, ["admin", "jobs", "retry", jobId], env);
      expect(retried.stdout).toContain(jobId);
      // It ran again: it dies again (same refusal), later than the first time.
      await waitFor(
        "the retried job to run and die again",
        async () => {
          const entry = await deadEntry();
          return entry !== undefined && Date.parse(entry.failed_at) > Date.parse(firstFailure);
        },
        { timeoutMs: 20_000 },
      );

      await must(runner, ["admin", "agents", "remove", slug], env);
      // A stored API token is forgotten, not revoked: it is the user's to revoke.
      expect((await must(runner, ["logout"], env)).stdout).toContain("the API token itself is still valid");
      expect((await api.auth.me.query()).role).toBe("admin");
      const stillRefused = await run(runner, ["admin", "categories", "delete", newSlug], env);
      expect(stillRefused.code).toBe(1);
      await must(runner, ["login", "--token", adminToken], env);
      await expect(api.agents.get.query({ slug })).rejects.toMatchObject({ status: 404 });
      await must(runner, ["admin", "categories", "delete", newSlug], env);
      await expect(api.categories.get.query({ slug: newSlug })).rejects.toMatchObject({ status: 404 });
    }, 180_000);
  });
}
