import type { RestRoute } from "./routes.ts";

/**
 * The answers and headers every operation of the document shares, and the rules that pick a
 * procedure's error answers from what it is: its tier, path parameters, input and the `errors`
 * its meta declares. trpc-to-openapi guesses 400/401/403/404/500 for everything; this says what
 * the server really does.
 */

type Json = Record<string, unknown>;
type ResponseObject = { description?: string; headers?: Json; content?: unknown; $ref?: string };
export type Operation = {
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
};

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
const errorContent = { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } };
const integer = { type: "integer", minimum: 0 };

export const HEADERS: Json = {
  "X-Request-Id": { description: "This request's id, also in the server's log lines", schema: { type: "string", format: "uuid" } },
  "X-RateLimit-Limit": { description: "Requests allowed per hour for this caller (a user, or an anonymous IP)", schema: integer },
  "X-RateLimit-Remaining": { description: "Requests left in the current window", schema: integer },
  "X-RateLimit-Reset": { description: "When the window resets, in epoch seconds", schema: integer },
  ETag: { description: 'Validator of this answer (JSON answers: a weak W/"..." hash); send it as If-None-Match for a 304', schema: { type: "string" } },
  "Retry-After": { description: "Seconds to wait before trying again", schema: integer },
  "WWW-Authenticate": { description: "Bearer", schema: { type: "string" } },
};

/** On every /api/v1 answer (the rate-limit headers while rate limiting is enabled, the default). */
const COMMON_HEADERS = {
  "X-Request-Id": ref("X-Request-Id"),
  "X-RateLimit-Limit": ref("X-RateLimit-Limit"),
  "X-RateLimit-Remaining": ref("X-RateLimit-Remaining"),
  "X-RateLimit-Reset": ref("X-RateLimit-Reset"),
};

const error = (description: string, extra: Json = {}): ResponseObject => ({
  description,
  headers: { ...COMMON_HEADERS, ...extra },
  content: errorContent,
});

export const RESPONSES: Record<string, ResponseObject> = {
  BadRequest: error("Malformed request (for example invalid JSON), or a rule of the operation refused it; detail says which"),
  Unauthorized: error("No valid token (WWW-Authenticate: Bearer)", { "WWW-Authenticate": ref("WWW-Authenticate") }),
  InvalidToken: error("A token was sent and is not valid (expired, revoked or unknown); send none to call anonymously", {
    "WWW-Authenticate": ref("WWW-Authenticate"),
  }),
  Forbidden: error("Authenticated but not allowed: not an admin, not the owner, or a token without the needed scope"),
  NotFound: error("Not found (private agents of others are reported as not found too)"),
  Conflict: error("Conflicts with the current state; detail says how"),
  ValidationError: error("Input failed validation; detail lists each problem as {loc, msg, type}, loc starting with body, query or path"),
  RateLimited: error("Rate limited; Retry-After says when to try again", { "Retry-After": ref("Retry-After") }),
  InternalError: error("Internal error; the body carries request_id"),
  ServiceUnavailable: error("A dependency (the database, storage, Redis or GitHub) is unavailable; try again later"),
};

const use = (name: keyof typeof RESPONSES) => ({ $ref: `#/components/responses/${name}` });

/** The error answers of a procedure's operation, replacing trpc-to-openapi's guesses. */
export function procedureErrors(route: RestRoute, operation: Operation): Record<string, ResponseObject> {
  const declared = new Set(route.errors ?? []);
  const hasBody = operation.requestBody !== undefined;
  const hasInput = hasBody || (operation.parameters?.length ?? 0) > 0;
  const out: Record<string, ResponseObject> = {};
  if (hasBody || declared.has(400)) out["400"] = use("BadRequest");
  out["401"] = route.auth === "public" ? use("InvalidToken") : use("Unauthorized");
  // A read-only token may read what its user may; changes need publish or admin.
  if (route.auth === "admin" || (route.auth === "user" && route.method !== "GET") || declared.has(403)) out["403"] = use("Forbidden");
  if (route.params.length > 0 || declared.has(404)) out["404"] = use("NotFound");
  if (declared.has(409)) out["409"] = use("Conflict");
  if (hasInput) out["422"] = use("ValidationError");
  return out;
}

/** What every operation gets: the common headers on its own answers, 429, 500 and 503. */
export function finishOperation(operation: Operation, method: string): void {
  operation.responses ??= {};
  const responses = operation.responses;
  for (const [status, response] of Object.entries(responses)) {
    if (response.$ref) continue;
    response.headers = { ...COMMON_HEADERS, ...response.headers };
    if (method === "get" && (status === "200" || status === "304") && !response.headers.ETag) response.headers.ETag = ref("ETag");
  }
  if (method === "get" && responses["200"] && !responses["304"]) {
    responses["304"] = { description: "If-None-Match matched the current ETag; no body", headers: { ...COMMON_HEADERS, ETag: ref("ETag") } };
  }
  responses["429"] ??= use("RateLimited");
  responses["500"] ??= use("InternalError");
  responses["503"] ??= use("ServiceUnavailable");
}

export const TAGS: { name: string; description: string }[] = [
  { name: "agents", description: "Publish, list, read, update and delete agents; stars; stats" },
  { name: "versions", description: "An agent's versions: list, publish, validation reports and downloads" },
  { name: "reviews", description: "Ratings and comments, with helpful votes" },
  { name: "categories", description: "The catalog's categories and their agents" },
  { name: "search", description: "Full-text search with prefixes and typo tolerance, suggestions" },
  { name: "discovery", description: "Trending, popular and the marketplace's numbers" },
  { name: "users", description: "Public profiles, your own profile and webhook" },
  { name: "auth", description: "GitHub login, sessions, refresh and logout; personal API tokens for the SDK, the CLI and CI" },
  {
    name: "trusted-publishing",
    description:
      "Publish from CI without a stored token: GitHub Actions workflows registered on an agent exchange their OIDC ID token for a 15-minute publish token",
  },
  { name: "admin", description: "Moderation and operations; admins only (a token needs the admin scope)" },
];
