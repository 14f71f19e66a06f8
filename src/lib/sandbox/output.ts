/**
 * What a sandboxed process leaves behind: its output, kept up to a cap, and its exit status as
 * seen through bwrap.
 */
import { constants } from "node:os";

/** bwrap reports a program killed by signal n as exit 128+n; decode that back into a signal. */
export function exitStatus(exitCode: number | null, signalCode: NodeJS.Signals | number | null): { exitCode: number | null; signal: string | null } {
  if (signalCode !== null) return { exitCode: null, signal: String(signalCode) };
  if (exitCode !== null && exitCode > 128 && exitCode <= 128 + 64) {
    const name = Object.entries(constants.signals).find(([, number]) => number === exitCode - 128)?.[0];
    if (name) return { exitCode: null, signal: name };
  }
  return { exitCode, signal: null };
}

/** Reads a stream to its end, keeping the first `cap` bytes. */
export function readCapped(stream: ReadableStream<Uint8Array>, cap: number) {
  const reader = stream.getReader();
  const read = async () => {
    const chunks: Uint8Array[] = [];
    let kept = 0;
    let truncated = false;
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (done) break;
      const room = cap - kept;
      if (value.length > room) truncated = true;
      if (room > 0) {
        chunks.push(room >= value.length ? value : value.subarray(0, room));
        kept += Math.min(room, value.length);
      }
    }
    return { text: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
  };
  return { result: read(), cancel: () => void reader.cancel().catch(() => undefined) };
}
