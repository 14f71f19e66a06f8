import { describe, expect, test } from "bun:test";
import { encodeMultipart } from "../testing/uploads.ts";
import { MultipartError, multipartBoundary, readMultipart, readPartText } from "./multipart.ts";

/** Feeds `bytes` in chunks of `size`, so delimiters straddle every possible chunk edge. */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, boundary: string) {
  const parts: { name: string; filename: string | null; contentType: string | null; text: string }[] = [];
  for await (const part of readMultipart(body, boundary))
    parts.push({ name: part.name, filename: part.filename, contentType: part.contentType, text: await readPartText(part, 1 << 20) });
  return parts;
}

const boundaryOf = (contentType: string) => multipartBoundary(contentType)!;

describe("streaming multipart reader", () => {
  const file = new Uint8Array(5000).map((_, i) => (i * 7) % 256);
  const { body, contentType } = encodeMultipart([
    { name: "name", value: "Agent ünïcode" },
    { name: "empty", value: "" },
    { name: "code", value: file, filename: "a.zip", contentType: "application/zip" },
    { name: "tail", value: "--not a boundary\r\n--" },
  ]);

  test.each([1, 2, 3, 7, 64, 1000, 100_000])("parts come out whole with %i-byte chunks", async (size) => {
    const parts = await collect(chunked(body, size), boundaryOf(contentType));
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ["name", null, null],
      ["empty", null, null],
      ["code", "a.zip", "application/zip"],
      ["tail", null, null],
    ]);
    expect(parts[0]!.text).toBe("Agent ünïcode");
    expect(parts[1]!.text).toBe("");
    expect(parts[3]!.text).toBe("--not a boundary\r\n--");
  });

  test("file bytes arrive unchanged, and an unread part is skipped", async () => {
    const names: string[] = [];
    let bytes: Uint8Array | null = null;
    for await (const part of readMultipart(chunked(body, 333), boundaryOf(contentType))) {
      names.push(part.name);
      if (part.name === "code") bytes = new Uint8Array(await new Response(part.body).arrayBuffer());
    }
    expect(names).toEqual(["name", "empty", "code", "tail"]);
    expect(bytes!).toEqual(file);
  });

  test("a body cut short is a truncated error; a missing boundary is malformed", async () => {
    const cut = body.slice(0, body.length - 30);
    await expect(collect(chunked(cut, 100), boundaryOf(contentType))).rejects.toMatchObject({ reason: "truncated" });
    await expect(collect(chunked(body, 100), "other-boundary")).rejects.toBeInstanceOf(MultipartError);
  });

  test("a part without a name, or too many parts, is refused", async () => {
    const boundary = "b0undary";
    const noName = new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--\r\n`);
    await expect(collect(chunked(noName, 10), boundary)).rejects.toMatchObject({ reason: "malformed" });
    const many = encodeMultipart(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, value: "v" })));
    await expect(collect(chunked(many.body, 50), boundaryOf(many.contentType))).rejects.toMatchObject({ reason: "too_many_parts" });
  });

  test("a text field past its limit is refused", async () => {
    const big = encodeMultipart([{ name: "description", value: "x".repeat(2000) }]);
    const iterator = readMultipart(chunked(big.body, 100), boundaryOf(big.contentType));
    const first = await iterator.next();
    await expect(readPartText(first.value!, 1000)).rejects.toMatchObject({ reason: "field_too_large" });
    await iterator.return(undefined);
  });

  test("the boundary is read from the Content-Type, quoted or not; other types have none", () => {
    expect(multipartBoundary("multipart/form-data; boundary=abc123")).toBe("abc123");
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe("a b:c");
    expect(multipartBoundary("application/json")).toBeNull();
    expect(multipartBoundary("multipart/form-data")).toBeNull();
    expect(multipartBoundary(null)).toBeNull();
  });

  test("RFC 5987 file names are decoded", async () => {
    const boundary = "xyz";
    const raw = new TextEncoder().encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="code"; filename*=UTF-8''%C3%A9t%C3%A9.zip\r\n\r\nPK\r\n--${boundary}--`,
    );
    const parts = await collect(chunked(raw, 5), boundary);
    expect(parts[0]!.filename).toBe("été.zip");
  });
});
