import { Elysia } from "elysia";
import type { z } from "zod";
import { publishAgentFields, publishVersionFields } from "../contract/agents.ts";
import { agentSlugInput } from "../contract/common.ts";
import { BadRequest, DomainError, fieldError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, zodIssuesToDetail } from "../errors.ts";
import type { Runtime } from "../runtime.ts";
import type { ServiceContext } from "../services/context.ts";
import { findPublishTarget, publishAgent, publishVersion, publishVersionAsAgent, requirePublisher } from "../services/publishing/publish.ts";
import { receiveArchive, type StagedUpload } from "../services/publishing/uploads.ts";
import { discardGuardedObject } from "../services/storage/deletions.ts";
import { serviceContextOf } from "./context.ts";
import { MultipartError, multipartBoundary, readMultipart, readPartText } from "./multipart.ts";
import type { RequestState } from "./request-state.ts";
import { stateOf } from "./request-state.ts";
import { REST_PREFIX } from "./rest.ts";

/** Room for the text fields beside the archive, in a multipart body's declared length. */
const FORM_OVERHEAD_BYTES = 1024 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

type RestHandler = (request: Request, state: RequestState) => Promise<Response>;

/**
 * The multipart publish routes (contract 4.1), REST-only because tRPC carries JSON. The caller
 * is checked before a byte of the body is read; the `code` part streams to storage as it
 * arrives. PUT /agents/{slug} is shared with the JSON update: a JSON body goes to the REST bridge.
 */
export function agentUploadRoutes(rt: Runtime, rest: RestHandler) {
  return new Elysia()
    .post(
      `${REST_PREFIX}/agents`,
      async ({ request }) => {
        const ctx = await serviceContextOf(rt, request);
        requirePublisher(ctx.actor);
        const { fields, upload } = await readUpload(ctx, request);
        const input = await parseFields(ctx, publishAgentFields, fields, upload);
        return accepted(await publishAgent(ctx, { ...input, upload }));
      },
      { parse: "none" },
    )
    .put(
      `${REST_PREFIX}/agents/:slug`,
      async ({ request, params }) => {
        if (multipartBoundary(request.headers.get("content-type")) === null) return rest(request, stateOf(request));
        const { ctx, slug } = await versionTarget(rt, request, params.slug);
        const { fields, upload } = await readUpload(ctx, request);
        const input = await parseFields(ctx, publishVersionFields, fields, upload);
        return accepted(await publishVersionAsAgent(ctx, { ...input, slug, upload }));
      },
      { parse: "none" },
    )
    .post(
      `${REST_PREFIX}/agents/:slug/versions`,
      async ({ request, params }) => {
        const { ctx, slug } = await versionTarget(rt, request, params.slug);
        const { fields, upload } = await readUpload(ctx, request);
        const input = await parseFields(ctx, publishVersionFields, fields, upload);
        return accepted((await publishVersion(ctx, { ...input, slug, upload })).version);
      },
      { parse: "none" },
    );
}

/** 404/403 for someone who may not publish to this agent, before the body is read. */
async function versionTarget(rt: Runtime, request: Request, rawSlug: string): Promise<{ ctx: ServiceContext; slug: string }> {
  const parsed = agentSlugInput.safeParse({ slug: rawSlug });
  if (!parsed.success) throw new ValidationFailed(zodIssuesToDetail(parsed.error, "body", ["slug"]));
  const ctx = await serviceContextOf(rt, request);
  await findPublishTarget(ctx.db, ctx.actor, parsed.data.slug);
  return { ctx, slug: parsed.data.slug };
}

function accepted(body: unknown): Response {
  return Response.json(body, { status: 202 });
}

/**
 * Streams the body: text parts are collected (small), the `code` part goes to storage as it
 * arrives. Any failure leaves no stored object behind.
 */
async function readUpload(ctx: ServiceContext, request: Request): Promise<{ fields: Record<string, string>; upload: StagedUpload }> {
  const boundary = multipartBoundary(request.headers.get("content-type"));
  if (boundary === null) throw new UnsupportedMediaType("Send multipart/form-data with the zip archive in the 'code' part");
  const limit = ctx.ports.env.MAX_UPLOAD_BYTES;
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit + FORM_OVERHEAD_BYTES) throw new PayloadTooLarge(`The archive exceeds the upload limit of ${limit} bytes`);
  if (!request.body) throw missingCode();
  const fields: Record<string, string> = {};
  let upload: StagedUpload | null = null;
  try {
    for await (const part of readMultipart(request.body, boundary)) {
      if (part.name === "code") {
        if (upload) throw new BadRequest("Send exactly one 'code' part");
        upload = await receiveArchive(ctx, part.body);
      } else if (part.filename === null) {
        fields[part.name] = await readPartText(part, MAX_FIELD_BYTES);
      }
      // Other file parts are skipped unread.
    }
  } catch (error) {
    if (upload) await discardGuardedObject(ctx, upload.key);
    throw bodyError(error);
  }
  if (!upload) throw missingCode();
  return { fields, upload };
}

async function parseFields<T extends z.ZodType>(ctx: ServiceContext, schema: T, fields: Record<string, string>, upload: StagedUpload): Promise<z.output<T>> {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  await discardGuardedObject(ctx, upload.key);
  throw new ValidationFailed(zodIssuesToDetail(parsed.error, "body"));
}

function missingCode(): DomainError {
  return fieldError(["body", "code"], "The zip archive is required in the 'code' part", "missing");
}

/** A body that broke off or is not well-formed multipart is the client's problem: 400 (or 413). */
function bodyError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof MultipartError) {
    return error.reason === "field_too_large" ? new PayloadTooLarge(error.message) : new BadRequest(error.message);
  }
  // Bun fails the request body with an AbortError when the client goes away.
  if (error instanceof Error && error.name === "AbortError") {
    return new BadRequest("The upload was interrupted before the body was complete");
  }
  return error;
}
