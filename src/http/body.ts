import { PayloadTooLarge } from "../errors.ts";

/** The cap on JSON request bodies, REST and tRPC alike (uploads have their own, MAX_UPLOAD_BYTES). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** The body as text, refused with 413 as soon as it passes `limit` (declared or streamed). */
export async function readTextWithLimit(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw new PayloadTooLarge(`Request body exceeds ${limit} bytes`);
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new PayloadTooLarge(`Request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
