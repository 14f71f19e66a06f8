import { and, eq, isNull, or } from "drizzle-orm";
import type { JWTPayload } from "jose";
import { agents, trustedPublishers, usedOidcTokens } from "../../../db/schema/index.ts";
import type { Provenance } from "../../contract/provenance.ts";
import type { OidcExchange } from "../../contract/trusted-publishing.ts";
import { Forbidden, ServiceUnavailable, Unauthorized } from "../../errors.ts";
import { createOidcVerifier, OidcError, type OidcVerifier } from "../../lib/oidc.ts";
import { publicBaseUrl } from "../../lib/storage/signed-urls.ts";
import { type ServiceContext, withTransaction } from "../context.ts";
import type { Ports } from "../ports.ts";
import { issuePublishToken, PUBLISH_TOKEN_TTL_MS } from "./publish-tokens.ts";

/**
 * POST /auth/oidc/token (PyPI's trusted publishing): a GitHub Actions ID token is verified
 * against the issuer's keys, its repository / workflow / environment claims are matched with
 * the trusted publishers registered on agents, its `jti` is spent (in the database, so every
 * instance refuses a replay), and a 15-minute token that may publish new versions of exactly the
 * matching agents is handed back.
 */

/** A spent jti is kept a little past the token's expiry, beyond the verifier's clock tolerance. */
const JTI_MARGIN_MS = 5 * 60_000;

const verifiers = new WeakMap<Ports, OidcVerifier>();

function verifierOf(ports: Ports): OidcVerifier {
  let verifier = verifiers.get(ports);
  if (!verifier) {
    const { OIDC_GITHUB_ISSUER, OIDC_TIMEOUT_MS, OIDC_JWKS_REFETCH_COOLDOWN_MS } = ports.env;
    verifier = createOidcVerifier({ issuer: OIDC_GITHUB_ISSUER, timeoutMs: OIDC_TIMEOUT_MS, refetchCooldownMs: OIDC_JWKS_REFETCH_COOLDOWN_MS });
    verifiers.set(ports, verifier);
  }
  return verifier;
}

interface GitHubClaims {
  issuer: string;
  jti: string;
  expiresAt: Date;
  repository: string;
  workflow: string;
  environment: string | null;
  ref: string | null;
  sha: string | null;
  runId: string | null;
  runAttempt: string | null;
}

export async function exchangeOidcToken(ctx: ServiceContext, input: { token: string }): Promise<OidcExchange> {
  const audience = ctx.ports.env.OIDC_AUDIENCE ?? publicBaseUrl(ctx.ports.env);
  let payload: JWTPayload;
  try {
    payload = await verifierOf(ctx.ports).verify(input.token, audience);
  } catch (error) {
    if (error instanceof OidcError) {
      if (error.kind === "unavailable") {
        ctx.logger.warn({ err: error.message }, "OIDC issuer unavailable");
        throw new ServiceUnavailable("The OIDC issuer could not be reached; try again");
      }
      throw new Unauthorized(error.message);
    }
    throw error;
  }
  const claims = githubClaims(payload);
  const expiresAt = new Date(Date.now() + PUBLISH_TOKEN_TTL_MS);

  return withTransaction(ctx, async (tx) => {
    const matches = await tx.db
      .select({ publisherId: trustedPublishers.id, agentId: agents.id, slug: agents.slug })
      .from(trustedPublishers)
      .innerJoin(agents, eq(agents.id, trustedPublishers.agentId))
      .where(
        and(
          eq(trustedPublishers.provider, "github"),
          eq(trustedPublishers.repository, claims.repository),
          eq(trustedPublishers.workflow, claims.workflow),
          claims.environment === null
            ? isNull(trustedPublishers.environment)
            : or(isNull(trustedPublishers.environment), eq(trustedPublishers.environment, claims.environment)),
        ),
      );
    if (matches.length === 0) {
      throw new Forbidden(
        `No trusted publisher matches repository '${claims.repository}', workflow '${claims.workflow}'${claims.environment ? `, environment '${claims.environment}'` : " (no environment)"}`,
      );
    }
    const spent = await tx.db
      .insert(usedOidcTokens)
      .values({ key: `${claims.issuer} ${claims.jti}`, expiresAt: new Date(claims.expiresAt.getTime() + JTI_MARGIN_MS) })
      .onConflictDoNothing()
      .returning({ key: usedOidcTokens.key });
    if (spent.length === 0) throw new Unauthorized("This ID token was already exchanged; request a new one");

    const byAgent = new Map<number, { publisherId: number; slug: string }>();
    for (const m of matches) if (!byAgent.has(m.agentId)) byAgent.set(m.agentId, m);
    const provenance: Record<string, Provenance> = {};
    for (const [agentId, m] of byAgent) provenance[String(agentId)] = provenanceOf(claims, m.publisherId);
    const { token } = await issuePublishToken(tx.db, { agentIds: [...byAgent.keys()], provenance, expiresAt });
    ctx.logger.info({ repository: claims.repository, workflow: claims.workflow, agents: [...byAgent.keys()] }, "trusted publisher token issued");
    return { token, expires_at: expiresAt.toISOString(), agents: [...byAgent.values()].map((m) => m.slug).sort() };
  });
}

/**
 * The claims GitHub puts in an Actions ID token. The workflow is the file of `workflow_ref`
 * (`owner/name/.github/workflows/<file>@<ref>`), the top-level workflow of the run, in the
 * repository itself: a token whose workflow lives elsewhere matches nothing.
 */
function githubClaims(payload: JWTPayload): GitHubClaims {
  const str = (name: string): string | null => {
    const value = payload[name];
    return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : null;
  };
  const jti = str("jti");
  // Replays are refused by jti: a token without one cannot be spent, so it is not accepted.
  if (!jti) throw new Unauthorized("The ID token has no jti claim");
  const repository = str("repository")?.toLowerCase();
  const workflowRef = str("workflow_ref");
  if (!repository || !workflowRef) throw new Unauthorized("The ID token has no repository or workflow_ref claim: is it from GitHub Actions?");
  const prefix = `${repository}/.github/workflows/`;
  const lowerRef = workflowRef.toLowerCase();
  const at = lowerRef.indexOf("@", prefix.length);
  const workflow = lowerRef.startsWith(prefix) && at > prefix.length ? lowerRef.slice(prefix.length, at) : null;
  if (!workflow || workflow.includes("/")) throw new Forbidden(`The ID token's workflow_ref '${workflowRef}' is not a workflow of ${repository}`);
  return {
    issuer: String(payload.iss),
    jti,
    expiresAt: new Date((payload.exp ?? 0) * 1000),
    repository,
    workflow,
    environment: str("environment")?.toLowerCase() ?? null,
    ref: str("ref"),
    sha: str("sha"),
    runId: str("run_id"),
    runAttempt: str("run_attempt"),
  };
}

function provenanceOf(claims: GitHubClaims, publisherId: number): Provenance {
  return {
    kind: "trusted_publisher",
    provider: "github",
    publisher_id: publisherId,
    repository: claims.repository,
    workflow: claims.workflow,
    environment: claims.environment,
    ref: claims.ref,
    sha: claims.sha,
    run_id: claims.runId,
    run_attempt: claims.runAttempt,
  };
}
