/** Bytes of an archive: whole (a Blob or bytes) or a stream that is sent as it is read. */
export type ArchiveBytes = Blob | Uint8Array | ArrayBuffer;
export type ArchiveStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface UploadProgress {
  /** Archive bytes handed to the connection so far. */
  bytesSent: number;
  /** The archive's size when known. */
  totalBytes: number | undefined;
}

export interface MultipartBody {
  body: BodyInit;
  headers: Record<string, string>;
  /** True when the body is a stream (`duplex: "half"`, never retried). */
  streaming: boolean;
}

const encoder = new TextEncoder();

/**
 * A multipart/form-data body with the text fields first and the archive as the `code` part. A
 * stream is framed by hand and flows through untouched (nothing is buffered), so the server can
 * store it as it arrives; whole bytes go through FormData, which every runtime can send.
 */
export function multipartBody(
  fields: Record<string, string | undefined>,
  archive: { bytes: ArchiveBytes } | { stream: ArchiveStream; size?: number | undefined },
  onProgress?: (progress: UploadProgress) => void,
): MultipartBody {
  const present = Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if ("bytes" in archive) {
    const form = new FormData();
    for (const [name, value] of present) form.set(name, value);
    const blob = archive.bytes instanceof Blob ? archive.bytes : new Blob([archive.bytes as BlobPart], { type: "application/zip" });
    form.set("code", blob, "agent.zip");
    onProgress?.({ bytesSent: 0, totalBytes: blob.size });
    return { body: form, headers: {}, streaming: false };
  }
  const boundary = `----agent-marketplace-${randomHex(16)}`;
  const head = encoder.encode(
    present.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join("") +
      `--${boundary}\r\nContent-Disposition: form-data; name="code"; filename="agent.zip"\r\nContent-Type: application/zip\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const headers: Record<string, string> = { "content-type": `multipart/form-data; boundary=${boundary}` };
  if (archive.size !== undefined) headers["content-length"] = String(head.length + archive.size + tail.length);
  const iterator = iterate(archive.stream);
  let sent = 0;
  let stage: "head" | "body" | "done" = "head";
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === "head") {
        stage = "body";
        controller.enqueue(head);
        return;
      }
      if (stage === "done") return;
      const next = await iterator.next();
      if (next.done) {
        stage = "done";
        controller.enqueue(tail);
        controller.close();
        return;
      }
      sent += next.value.byteLength;
      controller.enqueue(next.value);
      onProgress?.({ bytesSent: sent, totalBytes: archive.size });
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
  return { body, headers, streaming: true };
}

function iterate(stream: ArchiveStream): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in stream) return (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async (reason?: unknown) => {
      await reader.cancel(reason);
      return { done: true, value: undefined };
    },
  };
}

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (b) => b.toString(16).padStart(2, "0")).join("");
}
