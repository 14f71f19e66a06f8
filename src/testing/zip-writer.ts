/**
 * A zip writer for validation fixtures, built in code at test time so no archive is committed.
 * It writes stored or deflated entries, unix modes (symlinks, devices, executables) and can lie
 * about an entry's size, which is what hostile archives do. ./zip.ts builds the upload fixtures on it.
 */
import { deflateRawSync } from "node:zlib";

export interface ZipWriterEntry {
  /** Stored as given: "../x", "/abs" and backslashes are kept, for hostile fixtures. */
  name: string;
  /** File contents, or the link target when `symlink` is set. Ignored for names ending in "/". */
  data?: string | Uint8Array;
  /** Unix mode; permission bits alone mean a regular file (or a directory for "dir/" names). */
  mode?: number;
  symlink?: boolean;
  /** Deflate this entry (default: the archive's `compress` option). */
  compress?: boolean;
  /** Uncompressed size written in the headers instead of the real one (zip-bomb fixtures). */
  declaredSize?: number;
}

export interface ZipWriterOptions {
  /** Deflate entries by default (default false: stored). */
  compress?: boolean;
}

const UNIX_HOST = 3;
const VERSION = 20;
const UTF8_NAMES = 0x0800;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFMT = 0o170000;

export function writeZip(entries: ZipWriterEntry[], options: ZipWriterOptions = {}): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const isDir = entry.name.endsWith("/");
    const raw = isDir ? new Uint8Array(0) : toBytes(entry.data ?? "", encoder);
    const compress = !isDir && (entry.compress ?? options.compress ?? false);
    const body = compress ? new Uint8Array(deflateRawSync(raw)) : raw;
    const size = entry.declaredSize ?? raw.length;
    const crc = crc32(raw);
    const mode = unixMode(entry, isDir);

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, VERSION, true);
    local.setUint16(6, UTF8_NAMES, true);
    local.setUint16(8, compress ? 8 : 0, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, size, true);
    local.setUint16(26, name.length, true);

    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, mode === null ? VERSION : (UNIX_HOST << 8) | VERSION, true);
    central.setUint16(6, VERSION, true);
    central.setUint16(8, UTF8_NAMES, true);
    central.setUint16(10, compress ? 8 : 0, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, body.length, true);
    central.setUint32(24, size, true);
    central.setUint16(28, name.length, true);
    // External attributes: the unix mode in the high 16 bits, MS-DOS directory bit in the low.
    central.setUint32(38, ((mode ?? 0) << 16) + (isDir ? 0x10 : 0), true);
    central.setUint32(42, offset, true);

    parts.push(new Uint8Array(local.buffer), name, body);
    centrals.push(new Uint8Array(central.buffer), name);
    offset += 30 + name.length + body.length;
  }
  const centralSize = centrals.reduce((n, part) => n + part.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  return concat([...parts, ...centrals, new Uint8Array(end.buffer)]);
}

function unixMode(entry: ZipWriterEntry, isDir: boolean): number | null {
  if (entry.symlink) return S_IFLNK | 0o777;
  if (entry.mode === undefined) return null;
  if ((entry.mode & S_IFMT) !== 0) return entry.mode;
  return (isDir ? S_IFDIR : S_IFREG) | entry.mode;
}

function toBytes(data: string | Uint8Array, encoder: TextEncoder): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
