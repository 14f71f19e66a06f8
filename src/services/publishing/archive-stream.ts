import { gcPacer } from "./gc-pacer.ts";

/**
 * Passes an uploaded archive through while checking it: a zip by its first bytes (whatever the
 * client declared), at most `maxBytes` (the stream fails on the chunk that passes the limit, so
 * storage aborts then and there), and its SHA-256 and size computed on the way.
 */

export type ArchiveProblem = "empty" | "not_zip" | "too_large";

export class ArchiveRejected extends Error {
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
  ) {
    super(message);
    this.name = "ArchiveRejected";
  }
}

export interface ArchiveDigest {
  sha256: string;
  sizeBytes: number;
}

// A local file header, or the end record of an archive with no entries.
const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06],
];
const SIGNATURE_LENGTH = 4;

export function inspectArchive(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
): {
  stream: ReadableStream<Uint8Array>;
  digest(): ArchiveDigest;
  /** Why the stream failed: the archive was refused, or reading the source failed (client gone, ...). */
  failure(): unknown;
} {
  const reader = source.getReader();
  const hasher = new Bun.CryptoHasher("sha256");
  const paceGc = gcPacer();
  let size = 0;
  let head: Uint8Array | null = new Uint8Array(0);
  let failure: unknown = null;
  let digest: ArchiveDigest | null = null;

  const reject = async (controller: ReadableStreamDefaultController<Uint8Array>, error: ArchiveRejected) => {
    failure = error;
    controller.error(error);
    await reader.cancel(error).catch(() => undefined);
  };

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        failure ??= error;
        throw error;
      }
      const { done, value } = chunk;
      if (done) {
        if (head !== null) {
          await reject(controller, head.length === 0 ? emptyArchive() : notZip());
          return;
        }
        digest = { sha256: hasher.digest("hex"), sizeBytes: size };
        controller.close();
        return;
      }
      size += value.byteLength;
      paceGc(value.byteLength);
      if (size > maxBytes) {
        await reject(controller, new ArchiveRejected("too_large", `The archive exceeds the upload limit of ${maxBytes} bytes`));
        return;
      }
      hasher.update(value);
      if (head === null) {
        controller.enqueue(value);
        return;
      }
      // Nothing reaches storage until the signature has been seen.
      const joined: Uint8Array = concat(head, value);
      if (joined.length < SIGNATURE_LENGTH) {
        head = joined;
        return;
      }
      if (!ZIP_SIGNATURES.some((signature) => signature.every((byte, i) => joined[i] === byte))) {
        await reject(controller, notZip());
        return;
      }
      head = null;
      controller.enqueue(joined);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });

  return {
    stream,
    digest() {
      if (!digest) throw new Error("The archive has not been read to its end");
      return digest;
    },
    failure: () => failure,
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

function emptyArchive(): ArchiveRejected {
  return new ArchiveRejected("empty", "The uploaded file is empty; expected a zip archive");
}

function notZip(): ArchiveRejected {
  return new ArchiveRejected("not_zip", "The uploaded file is not a zip archive (recognised by its content, not its declared type)");
}
