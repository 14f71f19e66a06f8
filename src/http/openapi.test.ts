import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import openapiTS, { astToString } from "openapi-typescript";
import { buildOpenApiDocument } from "../app.ts";
import { apiTokenFor } from "../testing/auth.ts";
import { makeUser } from "../testing/factories.ts";
import { useTestApp } from "../testing/harness.ts";

type Response = { $ref?: string; description?: string; headers?: Record<string, unknown> };
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  responses: Record<string, Response>;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
};
type Property = { type?: unknown; minimum?: number; anyOf?: Property[] };
type Doc = {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, Property> }> };
};

const doc = buildOpenApiDocument() as unknown as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ id: `${method.toUpperCase()} ${path}`, method, path, op })),
);
const root = join(import.meta.dir, "..", "..");
const work = await mkdtemp(join(root, "node_modules", ".openapi-test-"));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("the OpenAPI document", () => {
  test("is valid OpenAPI 3.1 with every $ref resolved (swagger-parser)", async () => {
    const validated = (await SwaggerParser.validate(structuredClone(doc) as never)) as unknown as Doc;
    expect(Object.keys(validated.paths).length).toBe(Object.keys(doc.paths).length);
  });

  test("openapi-typescript generates types from it, and a program that lists, searches and reads an agent type-checks", async () => {
    const types = astToString(await openapiTS(structuredClone(doc) as never));
    await writeFile(join(work, "schema.d.ts"), types);
    await writeFile(
      join(work, "program.ts"),
      `import type { components, paths } from "./schema.js";
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: infer R } } ? Json<R> : never;
const base = "http://127.0.0.1:8000/api/v1";
async function get<T>(path: string): Promise<T> {
  const response = await fetch(base + path);
  if (!response.ok) throw new Error(((await response.json()) as components["schemas"]["ErrorBody"]).error);
  return (await response.json()) as T;
}
const query: NonNullable<paths["/search/agents"]["get"]["parameters"]["query"]> = { q: "weather", sort: "downloads", limit: 5 };
const page = await get<Ok<"/agents", "get">>("/agents?limit=5&sort=stars");
const found = await get<Ok<"/search/agents", "get">>("/search/agents?q=" + encodeURIComponent(query.q ?? ""));
const first: components["schemas"]["AgentSummary"] | undefined = found.items[0] ?? page.items[0];
const agent = await get<components["schemas"]["Agent"]>("/agents/" + first?.slug);
const sizes: number[] = agent.versions.map((v) => v.size_bytes);
const status: "pending" | "running" | "passed" | "failed" | "error" = agent.validation_status;
const more: boolean = page.has_more;
export { sizes, status, more };
`,
    );
    const compilerOptions = { noEmit: true, strict: true, target: "es2022", module: "nodenext", lib: ["es2022", "dom"], types: [] };
    await writeFile(join(work, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["program.ts"] }));
    const tsc = Bun.spawnSync([join(root, "node_modules/.bin/tsc"), "-p", work], { stdout: "pipe", stderr: "pipe" });
    expect(tsc.stdout.toString() + tsc.stderr.toString()).toBe("");
    expect(tsc.exitCode).toBe(0);
  }, 60_000);

  test("declares each tag it uses, with a description; every operation has a summary and a description", () => {
    const declared = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
    const used = new Set(operations.flatMap((o) => o.op.tags ?? []));
    expect([...used].sort()).toEqual([...declared.keys()].sort());
    for (const name of used) expect(declared.get(name)).toMatch(/\w{3}/);
    expect(operations.filter((o) => !o.op.summary || !o.op.description || !o.op.tags?.length).map((o) => o.id)).toEqual([]);
  });

  test("answers: 429, 500 and 503 everywhere; 401/403 by tier; 422 wherever there is input", () => {
    for (const { id, op } of operations) {
      for (const code of ["429", "500", "503"]) expect([id, Object.keys(op.responses)]).toEqual([id, expect.arrayContaining([code])]);
    }
    const codes = (id: string) => Object.keys(operations.find((o) => o.id === id)!.op.responses);
    // Public reads: a bad token is refused, nothing is forbidden.
    expect(codes("GET /agents")).toEqual(expect.arrayContaining(["200", "304", "401", "422"]));
    expect(codes("GET /agents")).not.toContain("403");
    expect(codes("GET /stats")).not.toContain("422");
    // A read-only token may read its own account, not change it.
    expect(codes("GET /auth/me")).not.toContain("403");
    expect(codes("PUT /users/me/webhook")).toContain("403");
    expect(codes("GET /admin/users")).toEqual(expect.arrayContaining(["401", "403", "422"]));
    expect(codes("POST /admin/categories")).toEqual(expect.arrayContaining(["201", "400", "409", "422"]));
    expect(codes("DELETE /admin/categories/{slug}")).toEqual(expect.arrayContaining(["204", "400", "404"]));
    expect(codes("POST /agents")).toEqual(expect.arrayContaining(["202", "413", "415", "422"]));
  });

  test("every answer documents X-Request-Id and the rate-limit headers; GET answers their ETag", () => {
    const resolve = (r: Response) =>
      r.$ref ? ((doc as unknown as { components: { responses: Record<string, Response> } }).components.responses[r.$ref.split("/").pop()!] ?? r) : r;
    for (const { id, method, op } of operations) {
      for (const [code, response] of Object.entries(op.responses)) {
        const headers = Object.keys(resolve(response).headers ?? {});
        expect([id, code, headers]).toEqual([
          id,
          code,
          expect.arrayContaining(["X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
        ]);
        if (method === "get" && (code === "200" || code === "304")) expect([id, code, headers]).toEqual([id, code, expect.arrayContaining(["ETag"])]);
      }
    }
    const limited = resolve(operations[0]!.op.responses["429"]!);
    expect(Object.keys(limited.headers ?? {})).toContain("Retry-After");
  });

  test("ids, counts and sizes are non-negative integers; the main shapes carry examples", () => {
    const loose: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const [field, declared] of Object.entries(schema.properties ?? {})) {
        const prop = declared.anyOf?.find((branch) => branch.type !== "null") ?? declared;
        if (prop.type !== "integer" && prop.type !== "number") continue;
        if (
          /(^id$|_id$|count$|^total|downloads|stars$|size_bytes|^limit$|^offset$|duration_ms)/.test(field) &&
          !(prop.type === "integer" && prop.minimum === 0)
        ) {
          loose.push(`${name}.${field}`);
        }
      }
    }
    expect(loose).toEqual([]);
    for (const name of [
      "AgentSummary",
      "Agent",
      "AgentVersion",
      "PublishedAgent",
      "Category",
      "User",
      "UserSummary",
      "Review",
      "ValidationReport",
      "ErrorBody",
    ]) {
      expect([name, (doc.components.schemas[name] as { examples?: unknown[] }).examples?.length ?? 0]).toEqual([name, expect.any(Number)]);
      expect((doc.components.schemas[name] as { examples?: unknown[] }).examples?.length).toBeGreaterThan(0);
    }
  });
});

describe("the OpenAPI document against the running server", () => {
  const t = useTestApp("services");
  const sample: Record<string, string> = { slug: "no-such-agent", id: "999999", version: "1.0.0", username: "nobody" };

  /** Every probe's answer must be one the document lists for that operation. */
  test("anonymous, bad-token, read-only-token and bad-query probes of every operation answer only documented statuses", async () => {
    const readOnly = await apiTokenFor(t.rt, await makeUser(t.rt.db.db), ["read"]);
    const undocumented: string[] = [];
    for (const { id, method, path, op } of operations) {
      const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_, name: string) => sample[name] ?? "x")}`;
      const query = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => `${p.name}=%00not-valid`);
      const hasBody = method !== "get" && method !== "delete";
      const probes: [string, string, Record<string, string>][] = [
        ["anonymous", url, {}],
        ["bad token", url, { authorization: "Bearer amp_not_a_real_token" }],
        ["read-only token", url, { authorization: `Bearer ${readOnly}` }],
      ];
      if (query.length > 0) probes.push(["bad query", `${url}?${query.join("&")}`, {}]);
      for (const [probe, target, headers] of probes) {
        const init: RequestInit = { method: method.toUpperCase(), headers: { ...headers, ...(hasBody ? { "content-type": "application/json" } : {}) } };
        if (hasBody) init.body = "{}";
        const res = await t.fetch(target, { ...init, redirect: "manual" });
        if (!(String(res.status) in op.responses)) undocumented.push(`${id} (${probe}): ${res.status}`);
      }
    }
    expect(undocumented).toEqual([]);
  }, 60_000);
});
