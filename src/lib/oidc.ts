import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { z } from "zod";

/**
 * Verifying OIDC ID tokens (GitHub Actions' for trusted publishing) with jose: the issuer's
 * discovery document names its JWKS, whose keys are cached in this process (they are public, so
 * every instance may hold its own copy) and fetched again when a token names an unknown `kid`,
 * at most once per cooldown so a flood of made-up kids cannot hammer the issuer.
 */

export interface OidcConfig {
  issuer: string;
  timeoutMs: number;
  /** Least time between two JWKS fetches caused by unknown kids. */
  refetchCooldownMs: number;
}

/** `invalid`: the token is not acceptable (401); `unavailable`: the issuer could not be asked (503). */
export class OidcError extends Error {
  constructor(
    readonly kind: "invalid" | "unavailable",
    message: string,
  ) {
    super(message);
    this.name = "OidcError";
  }
}

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

export interface OidcVerifier {
  /** The verified claims: signature by a key of the issuer's JWKS, `iss`, `aud`, `exp`/`nbf`/`iat`. */
  verify(token: string, audience: string): Promise<JWTPayload>;
}

export function createOidcVerifier(config: OidcConfig): OidcVerifier {
  const issuer = config.issuer.replace(/\/+$/, "");
  let jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (jwks) return jwks;
    const discovery = await fetchJson(`${issuer}/.well-known/openid-configuration`, config.timeoutMs);
    const parsed = discoverySchema.safeParse(discovery);
    if (!parsed.success) throw new OidcError("unavailable", "The OIDC issuer's discovery document has no jwks_uri");
    if (parsed.data.issuer.replace(/\/+$/, "") !== issuer) throw new OidcError("unavailable", "The OIDC discovery document names another issuer");
    jwks = createRemoteJWKSet(new URL(parsed.data.jwks_uri), {
      timeoutDuration: config.timeoutMs,
      cooldownDuration: config.refetchCooldownMs,
      cacheMaxAge: 10 * 60_000,
    });
    return jwks;
  }

  return {
    async verify(token, audience) {
      const keys = await keySet();
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: [issuer, `${issuer}/`],
          audience,
          algorithms: ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"],
          requiredClaims: ["iss", "aud", "exp", "iat", "jti"],
          clockTolerance: 30,
        });
        return payload;
      } catch (error) {
        throw asOidcError(error);
      }
    },
  };
}

function asOidcError(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  if (error instanceof errors.JWKSTimeout) return new OidcError("unavailable", "The OIDC issuer's keys could not be fetched in time");
  if (error instanceof errors.JWTExpired) return new OidcError("invalid", "The ID token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) return new OidcError("invalid", `The ID token's '${error.claim}' claim is not acceptable`);
  if (error instanceof errors.JWKSNoMatchingKey) return new OidcError("invalid", "The ID token is signed with a key the issuer does not publish");
  if (error instanceof errors.JWSSignatureVerificationFailed) return new OidcError("invalid", "The ID token's signature does not verify");
  // jose's plain JOSEError (ERR_JOSE_GENERIC) and JWKSInvalid come from fetching the key set: a non-200 or a body that is no key set.
  if (error instanceof errors.JWKSInvalid || (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC")) {
    return new OidcError("unavailable", `The OIDC issuer's key set could not be read: ${error.message}`);
  }
  if (error instanceof errors.JOSEError) return new OidcError("invalid", `The ID token is not acceptable (${error.code})`);
  // Anything else is the network or the issuer failing (fetch errors, a JWKS that is not JSON).
  return new OidcError("unavailable", `The OIDC issuer could not be reached: ${error instanceof Error ? error.message : String(error)}`);
}

async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (error) {
    throw new OidcError("unavailable", `The OIDC issuer could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new OidcError("unavailable", `The OIDC issuer answered ${response.status} for its discovery document`);
  return response.json().catch(() => {
    throw new OidcError("unavailable", "The OIDC issuer's discovery document is not JSON");
  });
}
