import { Elysia } from "elysia";
import { downloadRedirect } from "../contract/agents.ts";
import { fieldError } from "../errors.ts";
import { attachmentDisposition } from "../lib/storage/disposition.ts";
import type { Runtime } from "../runtime.ts";
import { openDownload } from "../services/downloads/downloads.ts";
import { serviceContextOf } from "./context.ts";
import { REST_PREFIX } from "./rest.ts";

/**
 * GET /agents/{slug}/download[/{version}] (contract 4.2), REST-only: the archive's bytes are
 * sent from a local file (never held whole), or the answer is a 302 to a signed URL
 * (`?redirect=true`, DOWNLOAD_MODE=redirect, or an external storage key).
 */
export function downloadRoutes(rt: Runtime) {
  return new Elysia()
    .get(`${REST_PREFIX}/agents/:slug/download`, ({ request, params }) => download(rt, request, params.slug))
    .get(`${REST_PREFIX}/agents/:slug/download/:version`, ({ request, params }) => download(rt, request, params.slug, params.version));
}

async function download(rt: Runtime, request: Request, slug: string, version?: string): Promise<Response> {
  const ctx = await serviceContextOf(rt, request);
  const redirect = redirectFlag(new URL(request.url).searchParams.get("redirect"));
  const answer = await openDownload(ctx, { slug, version, redirect, ifNoneMatch: request.headers.get("if-none-match") });
  switch (answer.kind) {
    case "redirect":
      return new Response(null, { status: 302, headers: { Location: answer.location, "Cache-Control": "no-store", ...warningHeader(answer.warning) } });
    case "not_modified":
      return new Response(null, { status: 304, headers: { ETag: answer.etag } });
    case "file":
      // A file body: Bun sends it with sendfile and sets Content-Length from its size.
      return new Response(answer.file, {
        headers: {
          "Content-Type": "application/zip",
          "Content-Length": String(answer.file.size),
          "Content-Disposition": attachmentDisposition(answer.filename),
          ETag: answer.etag,
          "Cache-Control": "private, no-cache",
          ...warningHeader(answer.warning),
        },
      });
  }
}

/** RFC 7234 `Warning: 299`; header values are Latin-1, so anything else in the text becomes `?`. */
function warningHeader(warning: string | null): Record<string, string> {
  if (warning === null) return {};
  return {
    Warning: `299 - "${warning
      .replace(/[^\x20-\x7e]/g, "?")
      .replace(/["\\]/g, "'")
      .slice(0, 500)}"`,
  };
}

function redirectFlag(value: string | null): boolean {
  const parsed = downloadRedirect.safeParse(value ?? undefined);
  if (!parsed.success) throw fieldError(["query", "redirect"], "redirect must be true or false", "bool_parsing");
  return parsed.data === "true" || parsed.data === "1";
}
