import { Elysia } from "elysia";
import { Forbidden, NotFound } from "../errors.ts";
import { attachmentDisposition } from "../lib/storage/disposition.ts";
import { FilesystemStore } from "../lib/storage/fs.ts";
import type { Runtime } from "../runtime.ts";

/**
 * Serves the filesystem store's app-signed URLs (the embedded stand-in for presigned S3 URLs):
 * GET /files/<key>?expires&filename&sig. With S3 configured the route does not exist.
 */
export function fileRoutes(rt: Runtime) {
  const app = new Elysia();
  const store = rt.storage;
  if (!(store instanceof FilesystemStore)) return app;
  return app.get("/files/*", async ({ request }) => {
    const url = new URL(request.url);
    const encoded = url.pathname.slice("/files/".length);
    let key: string;
    try {
      key = encoded.split("/").map(decodeURIComponent).join("/");
    } catch {
      throw new NotFound("Not Found");
    }
    if (!store.verifySignedQuery(key, url.searchParams)) throw new Forbidden("Invalid or expired signature");
    const object = await store.get(key);
    if (!object) throw new NotFound("Not Found");
    const filename = url.searchParams.get("filename");
    const headers: Record<string, string> = {
      "content-type": object.contentType ?? "application/octet-stream",
      "content-length": String(object.size),
      "cache-control": "private, max-age=60",
    };
    if (object.etag) headers.etag = `"${object.etag}"`;
    if (filename) headers["content-disposition"] = attachmentDisposition(filename);
    return new Response(object.body, { headers });
  });
}
