import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import type { Runtime } from "../../src/runtime.ts";
import { apiTokenFor } from "../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { type FakeOidcIssuer, startFakeOidcIssuer } from "../../src/testing/fake-oidc.ts";
import { createTestRuntime, TEST_MODES } from "../../src/testing/harness.ts";
import { sampleAgentZip } from "../../src/testing/zip.ts";
import { runCli } from "./cli/main.ts";
import { exchangeGithubOidcToken, isMarketplaceError } from "./index.ts";
import { createMarketplaceClient } from "./node/index.ts";

/** The SDK's GitHub Actions helper against the fake issuer (as the runner's ID-token endpoint) and a live server. */
for (const mode of TEST_MODES) {
  describe(`exchangeGithubOidcToken [${mode}]`, () => {
    let issuer: FakeOidcIssuer;
    let rt: Runtime & { dataDir: string };
    let server: ReturnType<typeof Bun.serve>;
    let url = "";
    let slug = "";
    const repository = `octo-${mode}/sdk-agent`;
    let actionsEnv: Record<string, string>;

    beforeAll(async () => {
      // The server's audience defaults to its public URL, so the port is taken first.
      server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("starting", { status: 503 }) });
      url = server.url.href.replace(/\/$/, "");
      issuer = await startFakeOidcIssuer({ audience: url });
      rt = await createTestRuntime(mode, { PUBLIC_URL: url, OIDC_GITHUB_ISSUER: issuer.url });
      const { fetch } = createApp(rt);
      server.reload({ fetch: (r, s) => fetch(r, s) });
      actionsEnv = { ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer.url}/id-token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.requestToken };

      const author = createMarketplaceClient({ url, token: await apiTokenFor(rt, await makeUser(rt.db.db)) });
      const category = await makeCategory(rt.db.db);
      const agent = await author.publish({
        name: `SDK OIDC ${mode}`,
        description: "Published from CI by the SDK",
        category: category.slug,
        version: "1.0.0",
        zip: sampleAgentZip(),
      });
      slug = agent.slug;
      await author.trustedPublishers.add.mutate({ slug, repository, workflow: "publish.yml" });
    }, 60_000);
    afterAll(async () => {
      await server?.stop(true);
      await rt?.close();
      await issuer?.stop();
    });

    test("inside GitHub Actions it gets an ID token for the server's audience and exchanges it; the token publishes", async () => {
      issuer.serveRun({ repository, workflow: "publish.yml" });
      const exchanged = await exchangeGithubOidcToken({ url, env: actionsEnv });
      expect(exchanged.agents).toEqual([slug]);
      const ci = createMarketplaceClient({ url, token: exchanged.token });
      const version = await ci.publishVersion(slug, { version: "1.1.0", zip: sampleAgentZip("ci") });
      expect(version.provenance).toMatchObject({ kind: "trusted_publisher", repository, workflow: "publish.yml", run_id: "9123456789" });
    });

    test("the CLI: login github-oidc stores the exchanged token, and publish uses it for a new version of that agent", async () => {
      const home = await mkdtemp(join(tmpdir(), "cli-oidc-"));
      try {
        const dir = join(home, "agent");
        await Bun.write(join(dir, "agent.json"), JSON.stringify({ name: `SDK OIDC ${mode}`, version: "1.2.0" }));
        await writeFile(join(dir, "index.js"), "console.log('from CI');\n");
        const out: string[] = [];
        const err: string[] = [];
        const cli = (argv: string[]) =>
          runCli(argv, {
            version: "test",
            io: {
              env: { ...actionsEnv, AGENT_MARKETPLACE_URL: url, XDG_CONFIG_HOME: join(home, "config") },
              stdout: (text) => out.push(text),
              stderr: (text) => err.push(text),
              interactive: false,
            },
          });

        issuer.serveRun({ repository, workflow: "publish.yml" });
        expect(await cli(["login", "github-oidc", "--json"])).toBe(0);
        const login = JSON.parse(out.join("")) as { kind: string; agents: string[] };
        expect(login).toMatchObject({ kind: "oidc", agents: [slug] });
        const stored = await Bun.file(join(home, "config", "agent-marketplace", "credentials.json")).text();
        expect(stored).toContain(slug);

        out.length = 0;
        expect(await cli(["publish", dir, "--json"])).toBe(0);
        expect(JSON.parse(out.join(""))).toMatchObject({ slug, version: "1.2.0", created: false });
        const detail = await createMarketplaceClient({ url }).agents.get.query({ slug });
        expect(detail.versions.map((v) => v.version)).toContain("1.2.0");
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    });

    test("outside Actions, with a bad runner token, or for a workflow nobody trusts, it fails with a MarketplaceError", async () => {
      const missing = await exchangeGithubOidcToken({ url, env: {} }).catch((e: unknown) => e);
      expect(isMarketplaceError(missing) && missing.detail).toContain("ACTIONS_ID_TOKEN_REQUEST_URL");

      const badRunner = await exchangeGithubOidcToken({ url, env: { ...actionsEnv, ACTIONS_ID_TOKEN_REQUEST_TOKEN: "wrong" } }).catch((e: unknown) => e);
      expect(isMarketplaceError(badRunner) && [badRunner.status, badRunner.code]).toEqual([401, "invalid_response"]);

      issuer.serveRun({ repository, workflow: "other.yml" });
      const untrusted = await exchangeGithubOidcToken({ url, env: actionsEnv }).catch((e: unknown) => e);
      expect(isMarketplaceError(untrusted) && [untrusted.status, untrusted.code]).toEqual([403, "forbidden"]);

      issuer.serveRun({ repository, workflow: "publish.yml" });
      const wrongAudience = await exchangeGithubOidcToken({ url, env: actionsEnv, audience: "https://elsewhere.test" }).catch((e: unknown) => e);
      expect(isMarketplaceError(wrongAudience) && [wrongAudience.status, wrongAudience.code]).toEqual([401, "unauthorized"]);
    });
  });
}
