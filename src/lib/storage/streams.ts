/**
 * Wraps a body so its bytes are counted as they pass and a length mismatch with `expected`
 * errors the stream *before* it ends, so the backend never commits a short or long object.
 */
export function countingStream(
  body: ReadableStream<Uint8Array> | Uint8Array,
  expected: number | undefined,
): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  let count = 0;
  const source = body instanceof Uint8Array ? singleChunk(body) : body;
  const reader = source.getReader();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        if (expected !== undefined && count !== expected) {
          controller.error(new Error(`Body is ${count} bytes, expected ${expected}`));
        } else controller.close();
        return;
      }
      count += value.byteLength;
      if (expected !== undefined && count > expected) {
        const error = new Error(`Body is longer than the expected ${expected} bytes`);
        controller.error(error);
        await reader.cancel(error).catch(() => {});
        return;
      }
      controller.enqueue(value);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { stream, bytes: () => count };
}

function singleChunk(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}
