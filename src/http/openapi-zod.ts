import { z } from "zod";

type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as an OpenAPI 3.1 schema object. Named shapes (`.meta({ id })`) land in
 * `components` and are referenced from there, the way trpc-to-openapi places the procedures' own.
 */
export function openApiSchema(schema: z.ZodType, components: Record<string, unknown>, io: "input" | "output" = "output"): JsonSchema {
  const { $schema: _, $defs, ...root } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [id, def] of Object.entries($defs ?? {})) components[id] ??= rewriteRefs(def);
  return rewriteRefs(root);
}

function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value === null || typeof value !== "object") return value;
  const out: JsonSchema = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = key === "$ref" && typeof child === "string" ? child.replace("#/$defs/", "#/components/schemas/") : rewriteRefs(child);
  }
  return out as T;
}
