import { beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { users } from "../db/schema/index.ts";
import { apiTokenFor, bearer, sessionFor } from "../src/testing/auth.ts";
import { actorFor, makeUser } from "../src/testing/factories.ts";
import { TEST_MODES, useTestApp } from "../src/testing/harness.ts";
import type { AuthTier, ProcedureMeta } from "../src/trpc/init.ts";
import { appRouter } from "./_app.ts";

/**
 * The access matrix, generated from the router itself: every procedure carries the tier that
 * built it (publicProcedure / authedProcedure / adminProcedure set meta.auth), so a new route
 * is in this matrix the moment it exists.
 */
interface ProcedureInfo {
  path: string;
  type: "query" | "mutation" | "subscription";
  tier: AuthTier | undefined;
  rest: { method: string; path: string } | null;
}

const procedures: ProcedureInfo[] = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureInfo["type"]; meta?: ProcedureMeta } }>,
).map(([path, procedure]) => {
  const meta = procedure._def.meta;
  const openapi = meta?.openapi && meta.openapi.enabled !== false ? meta.openapi : null;
  // Any value satisfies the path parameters: the tier refuses before the input is read.
  return { path, type: procedure._def.type, tier: meta?.auth, rest: openapi ? { method: openapi.method, path: openapi.path.replace(/\{\w+\}/g, "1") } : null };
});

const authed = procedures.filter((p) => p.tier === "user" || p.tier === "admin");
const admin = procedures.filter((p) => p.tier === "admin");
const authedMutations = authed.filter((p) => p.type === "mutation");

/**
 * Every kind of caller. Sessions carry every scope of their role; tokens only theirs. An admin's
 * `read` or `publish` token (the one given to CI) must act exactly like a user's.
 */
const KINDS = [
  "anonymous",
  "blocked session",
  "blocked token",
  "user session",
  "user read",
  "user publish",
  "admin session",
  "admin read",
  "admin publish",
  "admin admin",
] as const;
type Kind = (typeof KINDS)[number];

/** What the tiers answer, before any service runs: a refusal body, or "passes" (any status but 401/403). */
type Verdict = { status: 401 | 403; error: string; detail?: unknown } | "passes";
const BLOCKED: Verdict = { status: 403, error: "forbidden", detail: { blocked: true, message: "Your account has been blocked", reason: "spam" } };
const READ_ONLY: Verdict = { status: 403, error: "forbidden", detail: "This token's scopes do not allow changes" };
const NOT_ADMIN: Verdict = { status: 403, error: "forbidden", detail: "Admin access required" };
const NO_ADMIN_SCOPE: Verdict = { status: 403, error: "forbidden", detail: "This token lacks the admin scope" };

function verdict(kind: Kind, tier: "user" | "admin", mutation: boolean): Verdict {
  if (kind === "anonymous") return { status: 401, error: "unauthorized" };
  if (kind.startsWith("blocked")) return BLOCKED;
  if (mutation && kind.endsWith("read")) return READ_ONLY;
  if (tier === "user") return "passes";
  if (kind.startsWith("user")) return NOT_ADMIN;
  return kind === "admin session" || kind === "admin admin" ? "passes" : NO_ADMIN_SCOPE;
}

/** The multipart routes are REST-only (not procedures); they answer to the same rules. */
const UPLOAD_ROUTES = [
  { method: "POST", path: "/agents" },
  { method: "PUT", path: "/agents/999999999" },
  { method: "POST", path: "/agents/999999999/versions" },
];
const label = (p: ProcedureInfo) => (p.rest ? `${p.rest.method} ${p.rest.path} (${p.path})` : p.path);

test("every procedure is built from one of the tiers, and the matrix is not empty", () => {
  expect(procedures.filter((p) => p.tier === undefined).map((p) => p.path)).toEqual([]);
  expect(admin.length).toBeGreaterThanOrEqual(9);
  expect(authed.length).toBeGreaterThan(admin.length);
});

for (const mode of TEST_MODES) {
  describe(`access matrix [${mode}]`, () => {
    const t = useTestApp(mode);
    const creds = { user: "", readOnlyAdmin: "" };

    beforeAll(async () => {
      creds.user = (await sessionFor(t.rt, await makeUser(t.rt.db.db))).access_token;
      creds.readOnlyAdmin = await apiTokenFor(t.rt, await makeUser(t.rt.db.db, { role: "admin" }), ["read"]);
      const user = await makeUser(t.rt.db.db);
      const admin = await makeUser(t.rt.db.db, { role: "admin" });
      const blocked = await makeUser(t.rt.db.db);
      kindTokens["user session"] = (await sessionFor(t.rt, user)).access_token;
      kindTokens["user read"] = await apiTokenFor(t.rt, user, ["read"]);
      kindTokens["user publish"] = await apiTokenFor(t.rt, user, ["read", "publish"]);
      kindTokens["admin session"] = (await sessionFor(t.rt, admin)).access_token;
      kindTokens["admin read"] = await apiTokenFor(t.rt, admin, ["read"]);
      kindTokens["admin publish"] = await apiTokenFor(t.rt, admin, ["read", "publish"]);
      kindTokens["admin admin"] = await apiTokenFor(t.rt, admin, ["admin"]);
      kindTokens["blocked session"] = (await sessionFor(t.rt, blocked)).access_token;
      kindTokens["blocked token"] = await apiTokenFor(t.rt, blocked, ["read", "publish"]);
      await t.rt.db.db.update(users).set({ isBlocked: true, blockedReason: "spam" }).where(eq(users.id, blocked.id));
    });
    const kindTokens: Partial<Record<Kind, string>> = {};

    /** Ids and slugs that name nothing, so the callers that pass the tiers change nothing. */
    const restCall = (method: string, path: string, kind: Kind, contentType = "application/json") => {
      const headers: Record<string, string> = kind === "anonymous" ? {} : bearer(kindTokens[kind]!);
      const hasBody = method !== "GET" && method !== "DELETE";
      if (hasBody) headers["content-type"] = contentType;
      const body = !hasBody ? undefined : contentType === "application/json" ? "{}" : '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n';
      return t.fetch(`/api/v1${path.replace(/\{\w+\}/g, "999999999")}`, { method, headers, body });
    };

    async function expectVerdict(res: Response, expected: Verdict, what: string) {
      const body = (await res.json().catch(() => null)) as { error?: string; detail?: unknown } | null;
      if (expected === "passes") {
        expect({ what, refused: res.status === 401 || res.status === 403, body: res.status === 401 || res.status === 403 ? body : null }).toEqual({
          what,
          refused: false,
          body: null,
        });
        return;
      }
      const seen: Record<string, unknown> = { what, status: res.status, error: body?.error };
      const wanted: Record<string, unknown> = { what, status: expected.status, error: expected.error };
      if (expected.detail !== undefined) {
        seen.detail = body?.detail;
        wanted.detail = expected.detail;
      }
      expect(seen).toEqual(wanted);
    }

    const restOf = (p: ProcedureInfo) => p.rest ?? { method: p.type === "query" ? "GET" : "POST", path: "" };
    test.each(authed.map((p) => [label(p), p] as const))("every kind of caller on %s gets what its tier allows", async (_, p) => {
      const { method } = restOf(p);
      const path = (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>)[p.path]?._def.meta?.openapi?.path ?? "";
      for (const kind of KINDS) {
        await expectVerdict(await restCall(method, path, kind), verdict(kind, p.tier as "user" | "admin", p.type === "mutation"), `${kind} on ${label(p)}`);
      }
    });

    test.each(UPLOAD_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))("every kind of caller on the upload route %s", async (_, r) => {
      for (const kind of KINDS) {
        await expectVerdict(
          await restCall(r.method, r.path, kind, "multipart/form-data; boundary=b"),
          verdict(kind, "user", true),
          `${kind} on ${r.method} ${r.path}`,
        );
      }
    });

    const call = (p: ProcedureInfo, token?: string) => {
      const rest = p.rest ?? { method: p.type === "query" ? "GET" : "POST", path: "" };
      const headers: Record<string, string> = token ? bearer(token) : {};
      const hasBody = rest.method !== "GET" && rest.method !== "DELETE";
      if (hasBody) headers["content-type"] = "application/json";
      return t.fetch(`/api/v1${rest.path}`, { method: rest.method, headers, body: hasBody ? "{}" : undefined });
    };

    test.each(authed.filter((p) => p.rest).map((p) => [label(p), p] as const))("anonymous gets 401 on %s", async (_, p) => {
      const res = await call(p);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
    });

    test.each(authed.map((p) => [p.path, p] as const))("anonymous gets UNAUTHORIZED from tRPC %s", async (_, p) => {
      const procedure = p.path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], t.caller());
      await expect((procedure as (input: unknown) => Promise<unknown>)(undefined)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    });

    test.each(admin.filter((p) => p.rest).map((p) => [label(p), p] as const))("a non-admin gets 403 on %s", async (_, p) => {
      const res = await call(p, creds.user);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "forbidden", detail: "Admin access required" });
    });

    test.each(admin.map((p) => [p.path, p] as const))("a non-admin gets FORBIDDEN from tRPC %s", async (_, p) => {
      const user = await makeUser(t.rt.db.db);
      const procedure = p.path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], t.caller(actorFor(user)));
      await expect((procedure as (input: unknown) => Promise<unknown>)(undefined)).rejects.toMatchObject({ code: "FORBIDDEN" });
    });

    test.each(authedMutations.filter((p) => p.rest).map((p) => [label(p), p] as const))("a read token (even an admin's) gets 403 on %s", async (_, p) => {
      const res = await call(p, creds.readOnlyAdmin);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe("forbidden");
    });
  });
}
