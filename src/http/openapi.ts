import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { appRouter } from "../../routers/_app.ts";
import { errorBody } from "../contract/errors.ts";
import { finishOperation, HEADERS, type Operation, procedureErrors, RESPONSES, TAGS } from "./openapi-responses.ts";
import { openApiSchema } from "./openapi-zod.ts";
import { REST_PREFIX, restRoutes } from "./rest.ts";

type ExtraPaths = NonNullable<Parameters<typeof generateOpenApiDocument>[1]["paths"]>;
type Components = Record<string, unknown>;

/**
 * trpc-to-openapi describes tRPC's own error shape and always a 200. The contract answers
 * `{error, detail}`, 422 for bad input and 201/204 where the meta says so, with rate-limit and
 * request-id headers on every answer: the document says that (rules in openapi-responses.ts).
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
  doc.components = { ...doc.components, schemas: schemas as never, headers: HEADERS as never, responses: RESPONSES as never };
  for (const schemaId of Object.keys(doc.components.schemas ?? {})) {
    if (schemaId.startsWith("error.")) delete schemas[schemaId];
  }
  for (const route of restRoutes) {
    const operation = (doc.paths?.[route.template] as Record<string, Operation> | undefined)?.[route.method.toLowerCase()];
    if (!operation?.responses) continue;
    setSuccess(operation, route.status);
    for (const code of Object.keys(operation.responses)) if (Number(code) >= 400) delete operation.responses[code];
    Object.assign(operation.responses, procedureErrors(route, operation));
    // Public routes work without a token and show more (your private agents) with one.
    if (route.auth === "public") operation.security = [{}, { bearer: [] }];
  }
  mergeExtraPaths(doc, extraPaths(schemas));
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations as Record<string, Operation>)) finishOperation(operation, method);
  }
  doc.tags = TAGS;
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

function setSuccess(operation: Operation, status: number): void {
  const responses = operation.responses!;
  const success = responses["200"];
  if (success && status !== 200) {
    delete responses["200"];
    responses[String(status)] = status === 204 ? { description: "No content" } : success;
  }
}
