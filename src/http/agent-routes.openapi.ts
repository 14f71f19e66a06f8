import type { generateOpenApiDocument } from "trpc-to-openapi";
import { agentVersion, downloadRedirect, publishAgentFields, publishedAgent, publishVersionFields, versionInput } from "../contract/agents.ts";
import { agentSlugInput } from "../contract/common.ts";
import { openApiSchema } from "./openapi-zod.ts";

type OpenApiPaths = NonNullable<Parameters<typeof generateOpenApiDocument>[1]["paths"]>;
type Components = Record<string, unknown>;

/**
 * How the REST-only agent routes (multipart publishing, downloads) appear in the OpenAPI
 * document; every field, parameter and answer comes from the zod schemas the routes parse with.
 */
export function agentRouteOpenApiPaths(components: Components): OpenApiPaths {
  const json = (schema: Parameters<typeof openApiSchema>[0]) => ({ "application/json": { schema: openApiSchema(schema, components) } });
  const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } });
  const pathParam = (name: string, schema: Parameters<typeof openApiSchema>[0]) => ({
    name,
    in: "path" as const,
    required: true,
    schema: openApiSchema(schema, components, "input"),
  });
  const form = (fields: Parameters<typeof openApiSchema>[0]) => {
    const base = openApiSchema(fields, components, "input") as { properties?: Record<string, unknown>; required?: string[] };
    const code = { type: "string", format: "binary", description: "The zip archive, recognised by its bytes; at most MAX_UPLOAD_BYTES (default 50 MiB)" };
    return {
      required: true,
      content: { "multipart/form-data": { schema: { ...base, properties: { ...base.properties, code }, required: [...(base.required ?? []), "code"] } } },
    };
  };
  const slug = pathParam("slug", agentSlugInput.shape.slug);
  const version = pathParam("version", versionInput.shape.version);
  const security = [{ bearer: [] }];
  const uploadErrors = {
    "400": error("The multipart body is malformed or ended early"),
    "401": error("Not authenticated (WWW-Authenticate: Bearer)"),
    "403": error("A read-only token, or not the agent's author"),
    "413": error("The archive passed MAX_UPLOAD_BYTES; the upload stopped there and nothing was kept"),
    "415": error("Not multipart/form-data, or the code part is not a zip archive"),
    "422": error("A field failed validation; detail lists each with its location"),
  };
  const redirect = { name: "redirect", in: "query" as const, required: false, schema: openApiSchema(downloadRedirect, components, "input") };
  const downloadResponses = {
    "200": {
      description: "The zip, streamed; ETag is the quoted SHA-256",
      headers: {
        "Content-Disposition": { schema: { type: "string" }, description: 'attachment; filename="<slug>-<version>.zip"' },
        ETag: { schema: { type: "string" } },
        "Content-Length": { schema: { type: "integer" } },
        Warning: {
          schema: { type: "string" },
          description:
            '299 - "quarantined: <reasons>" when the author or an admin downloads a quarantined version; 299 - "yanked: <reason>" for a yanked version asked for by its exact version',
        },
      },
      content: { "application/zip": { schema: { type: "string", format: "binary" } } },
    },
    "302": { description: "To a signed storage URL (redirect=true or DOWNLOAD_MODE=redirect) or the external URL the version is stored at" },
    "304": { description: "If-None-Match matched the archive's ETag" },
    "401": { $ref: "#/components/responses/InvalidToken" },
    "403": error("The version is quarantined (it failed the archive or security check): only its author and admins may download it; the detail says why"),
    "404": error("No such agent or version (private agents of others are not found either)"),
    "422": error("redirect is not a boolean"),
  };
  return {
    "/agents": {
      post: {
        tags: ["agents"],
        operationId: "agents-publish",
        summary: "Publish a new agent (multipart)",
        description:
          'Streams the archive to storage while hashing it, then answers 202 with the agent and `validation_status: "pending"` once the validation job is queued. The slug comes from the name; a taken slug gets -1, -2, ... A publish scope is needed.',
        security,
        requestBody: form(publishAgentFields),
        responses: { "202": { description: "Stored and queued for validation", content: json(publishedAgent) }, ...uploadErrors },
      },
    },
    "/agents/{slug}": {
      put: {
        requestBody: form(publishVersionFields),
        responses: {
          "202": { description: "Multipart body: a new version was stored and queued", content: json(publishedAgent) },
          ...uploadErrors,
          "409": error("That version already exists"),
        },
      },
    },
    "/agents/{slug}/versions": {
      post: {
        tags: ["versions"],
        operationId: "versions-publish",
        summary: "Publish a new version (multipart)",
        description: "The agent's author only. Answers 202 once the archive is stored and the validation job queued.",
        security,
        parameters: [slug],
        requestBody: form(publishVersionFields),
        responses: {
          "202": { description: "Stored and queued for validation", content: json(agentVersion) },
          ...uploadErrors,
          "404": error("No such agent"),
          "409": error("That version already exists"),
        },
      },
    },
    "/agents/{slug}/download": {
      get: {
        tags: ["versions"],
        operationId: "versions-download",
        summary: "Download the current version (latest passed, else newest)",
        description: "Every download is recorded and counted. Authors and admins may download private agents with a token.",
        security: [{}, { bearer: [] }],
        parameters: [slug, redirect],
        responses: downloadResponses,
      },
    },
    "/agents/{slug}/download/{version}": {
      get: {
        tags: ["versions"],
        operationId: "versions-downloadVersion",
        summary: "Download one version",
        description: "Every download is recorded and counted. Authors and admins may download private agents with a token.",
        security: [{}, { bearer: [] }],
        parameters: [slug, version, redirect],
        responses: downloadResponses,
      },
    },
  } as OpenApiPaths;
}
