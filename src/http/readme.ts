import { Elysia } from "elysia";
import type { generateOpenApiDocument } from "trpc-to-openapi";
import { versionInput } from "../contract/agents.ts";
import { agentSlugInput } from "../contract/common.ts";
import { ValidationFailed, zodIssuesToDetail } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import { getReadme } from "../services/agents/readme.ts";
import { answerEtag } from "../services/catalog-answers.ts";
import { serviceContextOf } from "./context.ts";
import { notModified } from "./etag.ts";
import { openApiSchema } from "./openapi-zod.ts";
import { REST_PREFIX } from "./rest.ts";

type OpenApiPaths = NonNullable<Parameters<typeof generateOpenApiDocument>[1]["paths"]>;

/** GET /agents/{slug}/readme and /agents/{slug}/versions/{version}/readme: the README as Markdown, REST-only (not JSON). */
export function readmeRoutes(rt: Runtime) {
  return new Elysia()
    .get(`${REST_PREFIX}/agents/:slug/readme`, ({ request, params }) => readme(rt, request, params))
    .get(`${REST_PREFIX}/agents/:slug/versions/:version/readme`, ({ request, params }) => readme(rt, request, params));
}

async function readme(rt: Runtime, request: Request, params: { slug: string; version?: string }): Promise<Response> {
  const schema = params.version === undefined ? agentSlugInput : versionInput;
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new ValidationFailed(zodIssuesToDetail(parsed.error, "query", Object.keys(params)));
  const ctx = await serviceContextOf(rt, request);
  const found = await getReadme(ctx, parsed.data as { slug: string; version?: string });
  const etag = answerEtag(`${found.version}\n${found.markdown}`);
  if (notModified(request, etag)) return new Response(null, { status: 304, headers: { ETag: etag } });
  return new Response(found.markdown, {
    headers: {
      ETag: etag,
      "Content-Type": "text/markdown; charset=utf-8",
      "X-Agent-Version": found.version,
      // Untrusted text from an archive: never rendered as HTML by a browser that opens the URL.
      "Content-Security-Policy": "sandbox",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, no-cache",
    },
  });
}

export function readmeOpenApiPaths(components: Record<string, unknown>): OpenApiPaths {
  const error = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } });
  const param = (name: string, schema: Parameters<typeof openApiSchema>[0]) => ({
    name,
    in: "path" as const,
    required: true,
    schema: openApiSchema(schema, components, "input"),
  });
  const responses = {
    "200": {
      description: "The README.md found in the archive (at most 256 KiB; longer ones are cut)",
      headers: { "X-Agent-Version": { schema: { type: "string" }, description: "The version whose README this is" } },
      content: { "text/markdown": { schema: { type: "string" }, example: "# Weather Agent\n\nAnswers weather questions.\n" } },
    },
    "401": { $ref: "#/components/responses/InvalidToken" },
    "404": error("No such agent or version, or it has no README (read when the version is validated)"),
    "422": error("A path parameter is invalid"),
  };
  const slug = param("slug", agentSlugInput.shape.slug);
  const operation = (operationId: string, summary: string, parameters: unknown[]) => ({
    get: {
      tags: ["versions"],
      operationId,
      summary,
      description:
        "The README.md (or README) at the root of the archive, as validation read it; `text/markdown`, served with `Content-Security-Policy: sandbox` because it is the author's text. Private agents need their author's or an admin's token.",
      security: [{}, { bearer: [] }],
      parameters,
      responses,
    },
  });
  return {
    "/agents/{slug}/readme": operation("versions-readme", "README of the current version, as Markdown", [slug]),
    "/agents/{slug}/versions/{version}/readme": operation("versions-readmeForVersion", "README of one version, as Markdown", [
      slug,
      param("version", versionInput.shape.version),
    ]),
  } as OpenApiPaths;
}
