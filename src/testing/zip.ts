/**
 * Zip fixtures for the upload tests, built in code so no generated archive is ever committed.
 * The writer itself lives in ./zip-writer.ts; these are stored (uncompressed) archives.
 */
import { writeZip } from "./zip-writer.ts";

interface ZipEntry {
  name: string;
  data: string | Uint8Array;
}

function makeZip(entries: ZipEntry[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(writeZip(entries));
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

export function concatAll(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat(parts));
}
