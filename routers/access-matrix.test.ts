import { beforeAll, describe, expect, test } from "bun:test";
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
