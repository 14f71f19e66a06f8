/**
 * A minimal zip writer for tests (stored entries, no compression), so fixtures are built in code
 * and no generated archive is ever committed.
 */

export interface ZipEntry {
  name: string;
  data: string | Uint8Array;
}

export function makeZip(entries: ZipEntry[]): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const data = typeof entry.data === "string" ? encoder.encode(entry.data) : entry.data;
    const crc = crc32(data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, name.length, true);
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, 20, true);
    central.setUint16(6, 20, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, data.length, true);
    central.setUint32(24, data.length, true);
    central.setUint16(28, name.length, true);
    central.setUint32(42, offset, true);
    locals.push(new Uint8Array(local.buffer), name, data);
    centrals.push(new Uint8Array(central.buffer), name);
    offset += 30 + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, part) => n + part.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  return concatAll([...locals, ...centrals, new Uint8Array(end.buffer)]);
}

/** A valid zip of exactly `size` bytes (>= 100): one stored entry padded with random bytes. */
export function zipOfSize(size: number, name = "agent/payload.bin"): Uint8Array<ArrayBuffer> {
  const overhead = makeZip([{ name, data: new Uint8Array(0) }]).length;
  if (size < overhead) throw new Error(`A zip with entry '${name}' needs at least ${overhead} bytes`);
  const data = new Uint8Array(size - overhead);
  for (let i = 0; i < data.length; i += 65_536) crypto.getRandomValues(data.subarray(i, Math.min(i + 65_536, data.length)));
  return makeZip([{ name, data }]);
}

/** A small agent package as most tests need it. */
export function sampleAgentZip(marker = "hello"): Uint8Array<ArrayBuffer> {
  return makeZip([
    { name: "package.json", data: JSON.stringify({ name: "sample-agent", version: "1.0.0", main: "index.js" }) },
    { name: "index.js", data: `console.log(${JSON.stringify(marker)});\n` },
  ]);
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

export function concatAll(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
