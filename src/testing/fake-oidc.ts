import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/**
 * A fake OIDC issuer on loopback, in GitHub Actions' image: its own RSA keys made with jose, a
 * discovery document, a JWKS route, and GitHub's ID-token request endpoint
 * (ACTIONS_ID_TOKEN_REQUEST_URL). It signs whatever claims a test asks for.
 */

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
interface Key {
  kid: string;
  privateKey: SigningKey;
  jwk: JWK;
}

interface GithubRun {
  repository: string;
  workflow: string;
  environment?: string;
}

export interface FakeOidcIssuer {
  url: string;
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /** The bearer the ID-token endpoint wants (ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  requestToken: string;
  /** GitHub Actions' claims for a run, signed by the published key unless told otherwise. */
  sign(run: GithubRun, options?: SignOptions): Promise<string>;
  /** Publishes a new key and drops the old one. */
  rotate(): Promise<void>;
  /** A key pair the issuer never publishes (its kid is unknown). */
  strangerKey(): Promise<Key>;
  /** What the ID-token endpoint signs next (GitHub's runner knows the run it serves). */
  serveRun(run: GithubRun): void;
  /** Makes the JWKS route answer 500 (an issuer having a bad day). */
  failJwks(failing: boolean): void;
  stop(): Promise<void>;
}

interface SignOptions {
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Sign with this key instead (a stranger's, or a stranger's key under the published kid). */
  key?: Key;
  kid?: string;
  jti?: string;
  claims?: Record<string, unknown>;
}

async function makeKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = crypto.randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

export async function startFakeOidcIssuer(options: { audience: string }): Promise<FakeOidcIssuer> {
  let current = await makeKey();
  let jwksFetches = 0;
  let jwksFailing = false;
  let run: GithubRun = { repository: "octo/agent", workflow: "release.yml" };
  const requestToken = `req-${crypto.randomUUID()}`;
  let url = "";

  async function sign(r: GithubRun, o: SignOptions = {}): Promise<string> {
    const key = o.key ?? current;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: `repo:${r.repository}:${r.environment ? `environment:${r.environment}` : "ref:refs/tags/v1.2.0"}`,
      repository: r.repository,
      repository_owner: r.repository.split("/")[0],
      workflow: "Release",
      workflow_ref: `${r.repository}/.github/workflows/${r.workflow}@refs/tags/v1.2.0`,
      job_workflow_ref: `${r.repository}/.github/workflows/${r.workflow}@refs/tags/v1.2.0`,
      ...(r.environment ? { environment: r.environment } : {}),
      ref: "refs/tags/v1.2.0",
      sha: "4f2b8c1d9e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c",
      run_id: "9123456789",
      run_attempt: "1",
      ...o.claims,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: o.kid ?? key.kid, typ: "JWT" })
      .setIssuer(o.issuer ?? url)
      .setAudience(o.audience ?? options.audience)
      .setJti(o.jti ?? crypto.randomUUID())
      .setIssuedAt(now - 5)
      .setNotBefore(now - 5)
      .setExpirationTime(now + (o.expiresIn ?? 300))
      .sign(key.privateKey);
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url);
      if (path.pathname === "/.well-known/openid-configuration") {
        return Response.json({ issuer: url, jwks_uri: `${url}/.well-known/jwks`, id_token_signing_alg_values_supported: ["RS256"] });
      }
      if (path.pathname === "/.well-known/jwks") {
        jwksFetches++;
        if (jwksFailing) return new Response("internal error", { status: 500 });
        return Response.json({ keys: [current.jwk] });
      }
      if (path.pathname === "/id-token") {
        if (request.headers.get("authorization") !== `Bearer ${requestToken}`) return new Response("bad request token", { status: 401 });
        const audience = path.searchParams.get("audience") ?? options.audience;
        return Response.json({ count: 1, value: await sign(run, { audience }) });
      }
      return new Response("not found", { status: 404 });
    },
  });
  url = `http://127.0.0.1:${server.port}`;

  return {
    url,
    get jwksFetches() {
      return jwksFetches;
    },
    requestToken,
    sign,
    async rotate() {
      current = await makeKey();
    },
    strangerKey: makeKey,
    serveRun(r) {
      run = r;
    },
    failJwks(failing) {
      jwksFailing = failing;
    },
    async stop() {
      await server.stop(true);
    },
  };
}
