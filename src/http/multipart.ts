/**
 * A streaming multipart/form-data reader (RFC 7578). `Request.formData()` holds the whole body in
 * memory; this hands out each part's bytes as they arrive, so a 50 MiB archive flows to storage
 * while only a chunk and a delimiter's worth of bytes are held here.
 */

export type MultipartFailure = "malformed" | "truncated" | "field_too_large" | "too_many_parts";

export class MultipartError extends Error {
  constructor(
    readonly reason: MultipartFailure,
    message: string,
  ) {
    super(message);
    this.name = "MultipartError";
  }
}

export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  /** The part's bytes. Read or cancel it before asking for the next part (unread bytes are skipped). */
  body: ReadableStream<Uint8Array>;
}

export interface MultipartLimits {
  /** Parts in one body. */
  maxParts: number;
  /** Bytes of one part's header block, and of any preamble. */
  maxHeaderBytes: number;
}

const DEFAULT_LIMITS: MultipartLimits = { maxParts: 32, maxHeaderBytes: 16 * 1024 };
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");
const DASH_DASH = Buffer.from("--");

/** The boundary of a `multipart/form-data` Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string | null): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** Each part in order. Abandoning the iteration cancels the body. */
export async function* readMultipart(body: ReadableStream<Uint8Array>, boundary: string, limits: Partial<MultipartLimits> = {}): AsyncGenerator<MultipartPart> {
  const { maxParts, maxHeaderBytes } = { ...DEFAULT_LIMITS, ...limits };
  const scanner = new Scanner(body.getReader());
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  try {
    // The first delimiter has no leading CRLF unless a preamble precedes it.
    const first = Buffer.from(`--${boundary}`);
    const start = await scanner.find(first, maxHeaderBytes);
    if (start < 0) throw new MultipartError("malformed", "Multipart body has no opening boundary");
    scanner.skip(start + first.length);
    for (let count = 0; ; count++) {
      if (await scanner.startsWith(DASH_DASH)) return;
      // The boundary line's CRLF stays in front, so a part without headers is found at index 0.
      if (!(await scanner.startsWith(CRLF))) throw new MultipartError("malformed", "Malformed multipart boundary line");
      if (count >= maxParts) throw new MultipartError("too_many_parts", `A multipart body may hold at most ${maxParts} parts`);
      const end = await scanner.find(HEADER_END, maxHeaderBytes);
      if (end < 0) throw new MultipartError("malformed", "Multipart part headers are missing or too long");
      const headers = parseHeaders(
        scanner
          .take(end + HEADER_END.length)
          .subarray(CRLF.length, end)
          .toString("utf8"),
      );
      const part = new PartBody(scanner, delimiter);
      yield { ...headers, body: part.stream };
      await part.drain();
    }
  } finally {
    await scanner.cancel();
  }
}

/** Buffers just enough of the body to find delimiters across chunk edges. */
class Scanner {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  get buffered(): Buffer {
    return this.buffer;
  }

  /** Reads one more chunk; false at the end of the body. */
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }

  /** Index of needle in the buffer, reading until found; -1 past `within` bytes or at the end. */
  async find(needle: Buffer, within: number): Promise<number> {
    for (;;) {
      const index = this.buffer.indexOf(needle);
      if (index >= 0) return index;
      if (this.buffer.length > within + needle.length) return -1;
      if (!(await this.fill())) return -1;
    }
  }

  /** Whether the buffer starts with `prefix` (nothing is consumed). */
  async startsWith(prefix: Buffer): Promise<boolean> {
    while (this.buffer.length < prefix.length) {
      if (!(await this.fill())) throw new MultipartError("truncated", "Multipart body ended before the closing boundary");
    }
    return this.buffer.subarray(0, prefix.length).equals(prefix);
  }

  take(length: number): Buffer {
    const taken = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return taken;
  }

  skip(length: number): void {
    this.buffer = this.buffer.subarray(length);
  }

  async cancel(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.reader.cancel().catch(() => undefined);
  }
}

/** One part's bytes up to the next delimiter, handed out as they arrive. */
class PartBody {
  readonly stream: ReadableStream<Uint8Array>;
  private finished = false;

  constructor(
    private readonly scanner: Scanner,
    private readonly delimiter: Buffer,
  ) {
    this.stream = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = await this.next();
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      },
    });
  }

  /** The next run of bytes, or null once the delimiter is reached (and consumed). */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.finished) return null;
      const buffer = this.scanner.buffered;
      const index = buffer.indexOf(this.delimiter);
      if (index >= 0) {
        this.finished = true;
        const bytes = this.scanner.take(index);
        this.scanner.skip(this.delimiter.length);
        if (bytes.length > 0) return bytes;
        return null;
      }
      // Hold back only an end that could begin a delimiter (usually none), so the next chunk
      // is not copied onto it.
      const safe = buffer.length - partialDelimiterAtEnd(buffer, this.delimiter);
      if (safe > 0) return this.scanner.take(safe);
      if (!(await this.scanner.fill())) throw new MultipartError("truncated", "Multipart body ended before the closing boundary");
    }
  }

  /** Skips what the consumer left unread, so the scanner stands at the next boundary line. */
  async drain(): Promise<void> {
    while ((await this.next()) !== null) {
      // discard
    }
  }
}

/** Length of the longest end of `buffer` that is a proper start of `delimiter`. */
function partialDelimiterAtEnd(buffer: Buffer, delimiter: Buffer): number {
  const first = delimiter[0]!;
  for (let start = Math.max(0, buffer.length - delimiter.length + 1); start < buffer.length; start++) {
    if (buffer[start] !== first) continue;
    const length = buffer.length - start;
    if (buffer.compare(delimiter, 0, length, start) === 0) return length;
  }
  return 0;
}

function parseHeaders(block: string): Omit<MultipartPart, "body"> {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = value;
    else if (key === "content-type") contentType = value;
  }
  if (!disposition || !/^form-data\b/i.test(disposition)) {
    throw new MultipartError("malformed", "Every multipart part needs Content-Disposition: form-data");
  }
  const params = dispositionParams(disposition);
  const name = params.get("name");
  if (name === undefined) throw new MultipartError("malformed", "A multipart part has no name");
  return { name, filename: params.get("filename*") ?? params.get("filename") ?? null, contentType };
}

function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of value.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const key = match[1]!.toLowerCase();
    let text = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : (match[3] ?? "").trim();
    if (key.endsWith("*")) {
      const encoded = /^[^']*'[^']*'(.*)$/.exec(text);
      try {
        text = decodeURIComponent(encoded?.[1] ?? text);
      } catch {
        continue;
      }
    }
    params.set(key, text);
  }
  return params;
}

/** A text part's value, refusing more than `maxBytes`. */
export async function readPartText(part: MultipartPart, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of part.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new MultipartError("field_too_large", `Field '${part.name}' is longer than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
