import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { appRouter } from "../../routers/_app.ts";
import { errorBody } from "../contract/errors.ts";
import { openApiSchema } from "./openapi-zod.ts";
import { REST_PREFIX, restRoutes } from "./rest.ts";

type ExtraPaths = NonNullable<Parameters<typeof generateOpenApiDocument>[1]["paths"]>;
type Components = Record<string, unknown>;

type Operation = { responses?: Record<string, { description?: string; content?: unknown }>; security?: Record<string, string[]>[] };

const errorDescriptions: Record<string, string> = {
  "400": "Malformed request (for example invalid JSON) or a rule of the operation refused it",
  "401": "Not authenticated (WWW-Authenticate: Bearer)",
  "403": "Authenticated but not allowed",
  "404": "Not found (private resources of others are reported as not found)",
  "409": "Conflicts with the current state",
  "422": "Input failed validation; detail lists each problem with its location",
  "429": "Rate limited (Retry-After)",
  "500": "Internal error; carries a request_id",
};

/**
 * trpc-to-openapi describes tRPC's own error shape and always a 200. The contract answers
 * `{error, detail}`, 422 for bad input and 201/204 where the meta says so: the document says that.
 */
export function buildOpenApiDocument(
  info: { title: string; version: string; description: string },
  extraPaths: (components: Components) => ExtraPaths = () => ({}),
): OpenAPIObject {
  const doc = generateOpenApiDocument(appRouter, {
    ...info,
    baseUrl: REST_PREFIX,
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "Session access token or personal API token" } },
  });
  const schemas: Components = { ...doc.components?.schemas };
  openApiSchema(errorBody, schemas);
  doc.components = { ...doc.components, schemas: schemas as never };
  for (const schemaId of Object.keys(doc.components.schemas ?? {})) {
    if (schemaId.startsWith("error.")) delete schemas[schemaId];
  }
  for (const route of restRoutes) {
    const operation = (doc.paths?.[route.template] as Record<string, Operation> | undefined)?.[route.method.toLowerCase()];
    if (!operation?.responses) continue;
    rewriteResponses(operation, route.status, route.params.length > 0 || route.method !== "GET");
    // Public routes work without a token and show more (your private agents) with one.
    if (route.auth === "public") operation.security = [{}, { bearer: [] }];
  }
  mergeExtraPaths(doc, extraPaths(schemas));
  return doc;
}

type MergeableOperation = Operation & { requestBody?: { content?: Record<string, unknown> } };

/**
 * REST-only routes join the document here. One that shares its method and path with a procedure
 * (multipart PUT /agents/{slug} beside the JSON update) adds its request body and answers to the
 * procedure's operation instead of replacing it.
 */
function mergeExtraPaths(doc: OpenAPIObject, extraPaths: ExtraPaths): void {
  doc.paths ??= {};
  for (const [path, operations] of Object.entries(extraPaths)) {
    doc.paths[path] ??= {};
    const target = doc.paths[path] as Record<string, MergeableOperation>;
    for (const [method, extra] of Object.entries(operations as Record<string, MergeableOperation>)) {
      const existing = target[method];
      if (!existing) {
        target[method] = extra;
        continue;
      }
      if (extra.requestBody?.content) {
        existing.requestBody = { ...existing.requestBody, content: { ...existing.requestBody?.content, ...extra.requestBody.content } };
      }
      existing.responses = { ...extra.responses, ...existing.responses };
    }
  }
}

function rewriteResponses(operation: Operation, status: number, hasInput: boolean): void {
  const responses = operation.responses!;
  const success = responses["200"];
  if (success && status !== 200) {
    delete responses["200"];
    responses[String(status)] = status === 204 ? { description: "No content" } : success;
  }
  const codes = new Set(Object.keys(responses).filter((code) => Number(code) >= 400));
  if (hasInput) codes.add("422");
  for (const code of codes) {
    responses[code] = {
      description: errorDescriptions[code] ?? "Error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
    };
  }
}
