/**
 * Reads a zip's structure (PKWARE APPNOTE: end record, central directory, local headers) without
 * decompressing anything, so archive.ts can judge every entry before a byte is inflated.
 *
 * Deliberately strict, since uploads come from strangers: one disk, no zip64 (an agent never
 * needs 4 GiB or 65,535 entries), no bytes before the first entry or between the central
 * directory and its end record, names valid UTF-8, local headers agreeing with the central
 * directory, and entries that do not overlap (overlapping entries are how "non-recursive" zip
 * bombs reach huge ratios).
 */

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ZipFormatError";
  }
}

export class TooManyEntriesError extends Error {
  constructor(readonly count: number) {
    super(`The archive has ${count} entries`);
    this.name = "TooManyEntriesError";
  }
}

export interface ZipEntryRecord {
  name: string;
  /** Host system in "version made by" (3 = unix, whose mode sits in the external attributes). */
  hostSystem: number;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  externalAttributes: number;
  localHeaderOffset: number;
  /** Where the compressed bytes are, found through the entry's local header. */
  dataStart: number;
  dataEnd: number;
}

const END_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const END_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_MARK = 0xffffffff;

export function readZipEntries(zip: Uint8Array, maxEntries: number): ZipEntryRecord[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = findEndRecord(view);
  const diskNumber = view.getUint16(end + 4, true);
  const cdDisk = view.getUint16(end + 6, true);
  const count = view.getUint16(end + 10, true);
  const cdSize = view.getUint32(end + 12, true);
  const cdOffset = view.getUint32(end + 16, true);
  if (diskNumber !== 0 || cdDisk !== 0 || view.getUint16(end + 8, true) !== count) {
    throw new ZipFormatError("Multi-disk (split) archives are not supported");
  }
  if (count === 0xffff || cdSize === ZIP64_MARK || cdOffset === ZIP64_MARK) {
    throw new ZipFormatError("Zip64 archives are not supported");
  }
  if (count > maxEntries) throw new TooManyEntriesError(count);
  if (cdOffset + cdSize !== end) {
    throw new ZipFormatError("The central directory is not where the end record says (extra or missing bytes)");
  }

  const decoder = new TextDecoder("utf-8", { fatal: true });
  const entries: ZipEntryRecord[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > end || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`Central directory entry ${i + 1} is damaged`);
    }
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > end) throw new ZipFormatError(`Central directory entry ${i + 1} runs past the directory`);
    const nameBytes = zip.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength);
    let name: string;
    try {
      name = decoder.decode(nameBytes);
    } catch {
      throw new ZipFormatError(`Entry ${i + 1} has a name that is not valid UTF-8`);
    }
    const compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    const localOffset = view.getUint32(at + 42, true);
    if (compressedSize === ZIP64_MARK || uncompressedSize === ZIP64_MARK || localOffset === ZIP64_MARK) {
      throw new ZipFormatError(`Entry '${name}' uses zip64 sizes, which are not supported`);
    }
    const dataStart = localDataStart(view, zip, localOffset, nameBytes, cdOffset, name);
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > cdOffset) throw new ZipFormatError(`Entry '${name}' runs into the central directory`);
    entries.push({
      name,
      hostSystem: view.getUint8(at + 5),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize,
      uncompressedSize,
      externalAttributes: view.getUint32(at + 38, true),
      localHeaderOffset: localOffset,
      dataStart,
      dataEnd,
    });
    at = next;
  }
  assertNoOverlap(entries);
  return entries;
}

function findEndRecord(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - END_SIZE - MAX_COMMENT);
  for (let at = view.byteLength - END_SIZE; at >= lowest; at--) {
    // The end record is the one whose comment reaches exactly to the end of the file.
    if (view.getUint32(at, true) === END_SIGNATURE && at + END_SIZE + view.getUint16(at + 20, true) === view.byteLength) {
      return at;
    }
  }
  throw new ZipFormatError("Not a zip archive (no end of central directory record)");
}

function localDataStart(view: DataView, zip: Uint8Array, offset: number, centralName: Uint8Array, limit: number, name: string): number {
  if (offset + LOCAL_SIZE > limit || view.getUint32(offset, true) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`Entry '${name}' has no local header where the directory points`);
  }
  const nameLength = view.getUint16(offset + 26, true);
  const extraLength = view.getUint16(offset + 28, true);
  const localName = zip.subarray(offset + LOCAL_SIZE, offset + LOCAL_SIZE + nameLength);
  // A local name differing from the central one is a classic trick to show scanners one file
  // and extractors another.
  if (nameLength !== centralName.length || !localName.every((byte, i) => byte === centralName[i])) {
    throw new ZipFormatError(`Entry '${name}' has a different name in its local header`);
  }
  return offset + LOCAL_SIZE + nameLength + extraLength;
}

function assertNoOverlap(entries: ZipEntryRecord[]): void {
  const sorted = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const entry = sorted[i]!;
    if (entry.localHeaderOffset < previous.dataEnd) {
      throw new ZipFormatError(`Entries '${previous.name}' and '${entry.name}' overlap`);
    }
  }
}
