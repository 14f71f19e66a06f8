import type { generateOpenApiDocument } from "trpc-to-openapi";

type OpenApiPaths = NonNullable<Parameters<typeof generateOpenApiDocument>[1]["paths"]>;

/** How the REST-only agent routes (multipart publishing, downloads) appear in the OpenAPI document. */

const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } });
const slug = { name: "slug", in: "path", required: true, schema: { type: "string" }, description: "Agent slug" } as const;
const version = { name: "version", in: "path", required: true, schema: { type: "string" }, description: "Version, e.g. 1.2.3" } as const;
const code = { type: "string", format: "binary", description: "The zip archive, recognised by its bytes; at most MAX_UPLOAD_BYTES (default 50 MiB)" } as const;
const changelog = { type: "string", maxLength: 10000 } as const;
const semver = { type: "string", description: "Semver, e.g. 1.2.3 or 1.2.3-beta.1; immutable once published" } as const;
const security = [{ bearer: [] }];

const uploadErrors = {
  "400": error("The multipart body is malformed or ended early"),
  "401": error("Not authenticated (WWW-Authenticate: Bearer)"),
  "403": error("A read-only token, or not the agent's author"),
  "413": error("The archive passed MAX_UPLOAD_BYTES; the upload stopped there and nothing was kept"),
  "415": error("Not multipart/form-data, or the code part is not a zip archive"),
  "422": error("A field failed validation; detail lists each with its location"),
};

type RequestBody = NonNullable<NonNullable<OpenApiPaths[string]["post"]>["requestBody"]>;

const versionForm: RequestBody = {
  required: true,
  content: { "multipart/form-data": { schema: { type: "object", required: ["version", "code"], properties: { version: semver, changelog, code } } } },
};

const downloadResponses = {
  "200": {
    description: "The zip, streamed; ETag is the quoted SHA-256",
    headers: {
      "Content-Disposition": { schema: { type: "string" }, description: 'attachment; filename="<slug>-<version>.zip"' },
      ETag: { schema: { type: "string" } },
      "Content-Length": { schema: { type: "integer" } },
    },
    content: { "application/zip": { schema: { type: "string", format: "binary" } } },
  },
  "302": { description: "To a signed storage URL (redirect=true or DOWNLOAD_MODE=redirect) or the external URL the version is stored at" },
  "304": { description: "If-None-Match matched the archive's ETag" },
  "404": error("No such agent or version (private agents of others are not found either)"),
  "422": error("redirect is not a boolean"),
} as const;

const redirectParam = { name: "redirect", in: "query", required: false, schema: { type: "boolean" }, description: "Answer 302 to a signed URL instead of streaming" } as const;

export const agentRouteOpenApiPaths: OpenApiPaths = {
  "/agents": {
    post: {
      tags: ["agents"],
      operationId: "agents-publish",
      summary: "Publish a new agent (multipart)",
      description:
        'Streams the archive to storage while hashing it, then answers 202 with the agent and `validation_status: "pending"` once the validation job is queued. The slug comes from the name; a taken slug gets -1, -2, ... A publish scope is needed.',
      security,
      requestBody: {
        required: true,
        content: {
          "multipart/form-data": {
            schema: {
              type: "object",
              required: ["name", "description", "category", "version", "code"],
              properties: {
                name: { type: "string", minLength: 3, maxLength: 255 },
                description: { type: "string", minLength: 10 },
                category: { type: "string", description: "Slug or name, case-insensitive; must exist" },
                version: semver,
                changelog,
                is_public: { type: "boolean", default: true },
                code,
              },
            },
          },
        },
      },
      responses: { "202": { description: "Stored and queued for validation", content: { "application/json": { schema: { $ref: "#/components/schemas/PublishedAgent" } } } }, ...uploadErrors },
    },
  },
  "/agents/{slug}": {
    put: {
      requestBody: versionForm,
      responses: {
        "202": { description: "Multipart body: a new version was stored and queued", content: { "application/json": { schema: { $ref: "#/components/schemas/PublishedAgent" } } } },
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
      requestBody: versionForm,
      responses: {
        "202": { description: "Stored and queued for validation", content: { "application/json": { schema: { $ref: "#/components/schemas/AgentVersion" } } } },
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
      description: "Every download is recorded and counted.",
      parameters: [slug, redirectParam],
      responses: downloadResponses,
    },
  },
  "/agents/{slug}/download/{version}": {
    get: {
      tags: ["versions"],
      operationId: "versions-downloadVersion",
      summary: "Download one version",
      description: "Every download is recorded and counted.",
      parameters: [slug, version, redirectParam],
      responses: downloadResponses,
    },
  },
};
