import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count, eq } from "drizzle-orm";
import { agentVersions, publishTokens, usedOidcTokens } from "../db/schema/index.ts";
import { createApp } from "../src/app.ts";
import { systemContextOf } from "../src/runtime.ts";
import { purgeExpiredAuthState } from "../src/services/auth/purge.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { makeCategory, makeUser } from "../src/testing/factories.ts";
import { startFakeOidcIssuer } from "../src/testing/fake-oidc.ts";
import { jsonInit, TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import { type FormPart, multipartInit, publishViaHttp } from "../src/testing/uploads.ts";
import { sampleAgentZip } from "../src/testing/zip.ts";

const AUDIENCE = "https://marketplace.test";
const issuer = await startFakeOidcIssuer({ audience: AUDIENCE });
afterAll(() => issuer.stop());

const versionParts = (version: string): FormPart[] => [
  { name: "version", value: version },
  { name: "code", value: sampleAgentZip(version), filename: "agent.zip" },
];

/** Trusted publishing against a fake GitHub Actions issuer on loopback (issue 17, point 3). */
for (const mode of TEST_MODES) {
  describe(`trusted publishing [${mode}]`, () => {
    const t = useTestApp(mode, { OIDC_GITHUB_ISSUER: issuer.url, OIDC_AUDIENCE: AUDIENCE, OIDC_JWKS_REFETCH_COOLDOWN_MS: "0" });
    const who = {} as Record<"author" | "authorRead" | "authorSession" | "other" | "admin" | "adminSession" | "adminPublish", string>;
    let category = "";
    let slug = "";
    let agentId = 0;
    const repository = `octo-${mode}/weather`;
    const run = { repository, workflow: "release.yml", environment: "release" };

    beforeAll(async () => {
      const author = await makeUser(t.rt.db.db);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      who.author = await apiTokenFor(t.rt, author);
      who.authorRead = await apiTokenFor(t.rt, author, ["read"]);
      who.authorSession = (await sessionFor(t.rt, author)).access_token;
      who.other = await apiTokenFor(t.rt, await makeUser(t.rt.db.db));
      who.admin = await apiTokenFor(t.rt, admin, ["read", "admin"]);
      who.adminSession = (await sessionFor(t.rt, admin)).access_token;
      who.adminPublish = await apiTokenFor(t.rt, admin, ["read", "publish"]);
      category = (await makeCategory(t.rt.db.db)).slug;
      const agent = await publishViaHttp(t.fetch, who.author, { name: `Trusted Agent ${mode}`, category });
      slug = agent.slug;
      agentId = agent.id;
      const res = await t.fetch(
        `/api/v1/agents/${slug}/trusted-publishers`,
        jsonInit("POST", { repository: run.repository, workflow: "Release.yml", environment: "Release" }, bearer(who.author)),
      );
      expect(res.status).toBe(201);
    });

    const exchange = (token: string) => t.fetch("/api/v1/auth/oidc/token", jsonInit("POST", { token }));
    const versions = async () => (await t.rt.db.db.select({ n: count() }).from(agentVersions).where(eq(agentVersions.agentId, agentId)))[0]!.n;
    const issued = async () => (await t.rt.db.db.select({ n: count() }).from(publishTokens))[0]!.n;
    const publishWith = (token: string, version: string, target = slug) =>
      t.fetch(`/api/v1/agents/${target}/versions`, multipartInit("POST", versionParts(version), bearer(token)));

    test("the right claims get a 15-minute token that publishes a new version, recorded with its provenance", async () => {
      const res = await exchange(await issuer.sign(run));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { token: string; expires_at: string; agents: string[] };
      expect(body.agents).toEqual([slug]);
      const ttl = Date.parse(body.expires_at) - Date.now();
      expect(ttl).toBeGreaterThan(14 * 60_000);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);

      const published = await publishWith(body.token, "2.0.0");
      expect(published.status).toBe(202);
      const version = (await (await t.fetch(`/api/v1/agents/${slug}/versions/2.0.0`)).json()) as { provenance: unknown };
      expect(version.provenance).toEqual({
        kind: "trusted_publisher",
        provider: "github",
        publisher_id: expect.any(Number),
        repository,
        workflow: "release.yml",
        environment: "release",
        ref: "refs/tags/v1.2.0",
        sha: "4f2b8c1d9e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",
        run_id: "9123456789",
        run_attempt: "1",
      });
      // A person's publish records the person and the token.
      const first = (await (await t.fetch(`/api/v1/agents/${slug}/versions/1.0.0`)).json()) as {
        provenance: { kind: string; credential: string; token_id: number };
      };
      expect(first.provenance).toMatchObject({ kind: "user", credential: "api_token", token_id: expect.any(Number) });
    });

    test("the publish token can do nothing but publish new versions of its agents", async () => {
      const { token } = (await (await exchange(await issuer.sign(run))).json()) as { token: string };
      const other = await publishViaHttp(t.fetch, who.other, { name: `Not Trusted ${mode}`, category });
      expect((await publishWith(token, "1.0.1", other.slug)).status).toBe(403);
      expect((await t.fetch("/api/v1/agents", multipartInit("POST", [{ name: "name", value: "x" }], bearer(token)))).status).toBe(403);
      const yank = await t.fetch(`/api/v1/agents/${slug}/versions/1.0.0/yank`, jsonInit("POST", { reason: "no" }, bearer(token)));
      expect(yank.status).toBe(403);
      expect(((await yank.json()) as { detail: string }).detail).toBe("This token can only publish new versions of the agents it was issued for");
      expect((await t.fetch(`/api/v1/agents/${slug}/trusted-publishers`, { headers: bearer(token) })).status).toBe(403);
      // Expired: refused like any expired credential, and purged by the schedule with spent ID-token ids past their expiry.
      await t.rt.db.db.update(publishTokens).set({ expiresAt: new Date(Date.now() - 1000) });
      expect((await publishWith(token, "3.0.0")).status).toBe(401);
      await t.rt.db.db.insert(usedOidcTokens).values({ key: "old jti", expiresAt: new Date(Date.now() - 1000) });
      await purgeExpiredAuthState(systemContextOf(t.rt));
      expect(await issued()).toBe(0);
      expect(await t.rt.db.db.select().from(usedOidcTokens).where(eq(usedOidcTokens.key, "old jti"))).toEqual([]);
      expect((await t.rt.db.db.select({ n: count() }).from(usedOidcTokens))[0]!.n).toBeGreaterThan(0);
    });

    test("an issuer whose keys cannot be fetched is a 503, and nothing is issued", async () => {
      const tokens = await issued();
      issuer.failJwks(true);
      try {
        // An unknown kid makes the verifier fetch the keys again.
        const res = await exchange(await issuer.sign(run, { key: await issuer.strangerKey() }));
        expect(res.status).toBe(503);
        expect(((await res.json()) as { error: string }).error).toBe("service_unavailable");
      } finally {
        issuer.failJwks(false);
      }
      expect(await issued()).toBe(tokens);
    });

    const refusals: [string, () => Promise<string>, 401 | 403][] = [
      ["a wrong repository", () => issuer.sign({ ...run, repository: `octo-${mode}/other` }), 403],
      ["a wrong workflow", () => issuer.sign({ ...run, workflow: "ci.yml" }), 403],
      ["a wrong environment", () => issuer.sign({ ...run, environment: "staging" }), 403],
      ["no environment where one is required", () => issuer.sign({ repository: run.repository, workflow: run.workflow }), 403],
      [
        "a workflow of another repository",
        () => issuer.sign(run, { claims: { workflow_ref: "evil/repo/.github/workflows/release.yml@refs/heads/main" } }),
        403,
      ],
      ["a wrong audience", () => issuer.sign(run, { audience: "https://elsewhere.test" }), 401],
      ["a wrong issuer", () => issuer.sign(run, { issuer: "https://token.actions.githubusercontent.com" }), 401],
      ["an expired token", () => issuer.sign(run, { expiresIn: -120 }), 401],
      [
        "a bad signature",
        async () => {
          // A stranger's signature under the published key id.
          const forged = (await issuer.sign(run, { key: await issuer.strangerKey() })).split(".");
          const [header] = (await issuer.sign(run)).split(".");
          return `${header}.${forged[1]}.${forged[2]}`;
        },
        401,
      ],
      ["an unknown key", async () => issuer.sign(run, { key: await issuer.strangerKey() }), 401],
      ["no jti", () => issuer.sign(run, { jti: "" }), 401],
      ["garbage", async () => "not.a.jwt", 401],
    ];
    test.each(refusals)("%s is refused and publishes nothing", async (_, token, status) => {
      const [before, tokens] = [await versions(), await issued()];
      const res = await exchange(await token());
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toBe(status === 401 ? "unauthorized" : "forbidden");
      expect([await versions(), await issued()]).toEqual([before, tokens]);
    });

    test("a replayed ID token is refused, also by another instance with its own key cache", async () => {
      const jwt = await issuer.sign(run);
      expect((await exchange(jwt)).status).toBe(200);
      const tokens = await issued();
      const replay = await exchange(jwt);
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as { detail: string }).detail).toContain("already exchanged");
      // A second app on the same database and Redis, whose ports (and so its verifier and keys) are its own.
      const second = createApp({ ...t.rt });
      const elsewhere = await second.fetch(new Request("http://localhost/api/v1/auth/oidc/token", jsonInit("POST", { token: jwt })));
      expect(elsewhere.status).toBe(401);
      expect(await issued()).toBe(tokens);
    });

    test("keys are cached, and a rotated key is picked up on its first unknown kid", async () => {
      expect((await exchange(await issuer.sign(run))).status).toBe(200);
      const fetches = issuer.jwksFetches;
      expect((await exchange(await issuer.sign(run))).status).toBe(200);
      expect(issuer.jwksFetches).toBe(fetches);
      await issuer.rotate();
      expect((await exchange(await issuer.sign(run))).status).toBe(200);
      expect(issuer.jwksFetches).toBe(fetches + 1);
    });

    test("who may list, add and remove trusted publishers; bad input is 422", async () => {
      const path = `/api/v1/agents/${slug}/trusted-publishers`;
      const add = (token: string | undefined, body: unknown = { repository: "octo/x", workflow: `w${crypto.randomUUID().slice(0, 8)}.yml` }) =>
        t.fetch(path, jsonInit("POST", body, token ? bearer(token) : {}));
      const list = (token?: string) => t.fetch(path, { headers: token ? bearer(token) : {} });
      const remove = (id: number, token?: string) => t.fetch(`${path}/${id}`, { method: "DELETE", headers: token ? bearer(token) : {} });

      expect((await add(undefined)).status).toBe(401);
      expect((await list()).status).toBe(401);
      expect((await add(who.other)).status).toBe(403);
      expect((await list(who.other)).status).toBe(403);
      expect((await add(who.authorRead)).status).toBe(403);
      expect((await list(who.authorRead)).status).toBe(200);
      expect((await add(who.adminPublish)).status).toBe(403);
      expect((await list(who.adminPublish)).status).toBe(403);
      const ids: number[] = [];
      for (const token of [who.author, who.authorSession, who.admin, who.adminSession]) {
        const res = await add(token);
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as { id: number }).id);
      }
      const listed = (await (await list(who.author)).json()) as { items: { id: number; repository: string; environment: string | null }[] };
      expect(listed.items.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
      expect(listed.items[0]).toMatchObject({ repository, environment: "release" });
      expect((await add(who.author, { repository: "octo/x", workflow: "same.yml" })).status).toBe(201);
      expect((await add(who.author, { repository: "OCTO/x", workflow: "Same.yml" })).status).toBe(409);

      expect((await remove(ids[0]!)).status).toBe(401);
      expect((await remove(ids[0]!, who.other)).status).toBe(403);
      expect((await remove(ids[0]!, who.authorRead)).status).toBe(403);
      expect((await remove(ids[0]!, who.adminPublish)).status).toBe(403);
      expect((await remove(ids[0]!, who.author)).status).toBe(204);
      expect((await remove(ids[0]!, who.author)).status).toBe(404);
      expect((await remove(ids[1]!, who.admin)).status).toBe(204);

      for (const body of [
        { workflow: "release.yml" },
        { repository: "not a repo", workflow: "release.yml" },
        { repository: "octo/x", workflow: ".github/workflows/release.yml" },
        { repository: "octo/x", workflow: "release.sh" },
        { repository: "octo/x", workflow: "release.yml", environment: "" },
        { repository: "octo/x", workflow: "release.yml", provider: "gitlab" },
      ]) {
        const res = await add(who.author, body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
      }
      expect((await remove(0, who.author)).status).toBe(422);
      expect((await exchange("")).status).toBe(422);
    });
  });
}

for (const mode of TEST_MODES) {
  describe(`trusted publishing with the issuer unreachable [${mode}]`, () => {
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    const t = useTestApp(mode, { OIDC_GITHUB_ISSUER: "http://127.0.0.1:9", OIDC_AUDIENCE: AUDIENCE, OIDC_TIMEOUT_MS: "2000" });

    test("the exchange answers 503 with the contract's body", async () => {
      const res = await t.fetch("/api/v1/auth/oidc/token", jsonInit("POST", { token: await issuer.sign({ repository: "octo/x", workflow: "release.yml" }) }));
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: "service_unavailable", detail: "The OIDC issuer could not be reached; try again" });
    });
  });
}
