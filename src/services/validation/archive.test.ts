import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { goodNodeAgent, lyingZipBomb, symlinkArchive, zipBomb, zipSlipArchive } from "../../testing/sample-agents.ts";
import { writeZip, type ZipWriterEntry } from "../../testing/zip-writer.ts";
import { checkArchive } from "./archive.ts";

let parent: string;
let dest: string;

beforeEach(async () => {
  // parent/work/agent: deep enough that "../../x" from the destination stays inside `parent`.
  parent = await mkdtemp(join(tmpdir(), "archive-test-"));
  dest = join(parent, "work", "agent");
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const codes = (issues: { code: string }[]) => [...new Set(issues.map((issue) => issue.code))];
const unpack = (zip: Uint8Array, limits = {}) => checkArchive(zip, dest, limits);
const entries = (list: ZipWriterEntry[]) => writeZip(list);

describe("archive check", () => {
  test("unpacks a good agent with readable modes and finds the agent inside its wrapper folder", async () => {
    const result = await unpack(goodNodeAgent());
    expect(result.outcome.status).toBe("passed");
    expect(result.agent?.root).toBe(join(dest, "good-node-agent"));
    expect(result.agent?.files.map((file) => file.path)).toEqual(["index.js", "package.json", "test/agent.test.js"]);
    const index = await stat(join(dest, "good-node-agent", "index.js"));
    expect(index.mode & 0o777).toBe(0o644);
    expect((await stat(join(dest, "good-node-agent", "test"))).mode & 0o777).toBe(0o755);
  });

  test("looks through the __MACOSX folder macOS adds beside the wrapper folder", async () => {
    const zip = entries([
      { name: "my-agent/agent.py", data: "print(1)\n" },
      { name: "__MACOSX/my-agent/._agent.py", data: "fork" },
    ]);
    const result = await unpack(zip);
    expect(result.agent).toEqual({ root: join(dest, "my-agent"), files: [{ path: "agent.py", size: 9 }] });
  });

  test("keeps executables executable and reads archives from a path too", async () => {
    const zipPath = join(parent, "upload.zip");
    await writeFile(
      zipPath,
      entries([
        { name: "run.sh", data: "#!/bin/sh\n", mode: 0o4755 },
        { name: "lib/a.py", data: "x = 1\n" },
      ]),
    );
    const result = await checkArchive(zipPath, dest);
    expect(result.outcome.status).toBe("passed");
    // The setuid bit is never carried over.
    expect((await stat(join(dest, "run.sh"))).mode & 0o7777).toBe(0o755);
    expect(result.agent?.root).toBe(dest);
  });

  test("fails a zip bomb on its compression ratio before inflating anything", async () => {
    const result = await unpack(zipBomb());
    expect(result.outcome.status).toBe("failed");
    expect(codes(result.outcome.issues)).toContain("compression_ratio");
    expect(await readdir(dest).catch(() => [])).toEqual([]);
  });

  test("stops inflating an entry at the size it declares", async () => {
    const result = await unpack(lyingZipBomb());
    expect(result.outcome.status).toBe("failed");
    expect(result.outcome.issues[0]).toMatchObject({ code: "size_mismatch", file: "model.bin" });
    expect(await readdir(dest)).toEqual([]);
  });

  test("enforces entry count, per-file and total size limits", async () => {
    const many = entries(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, data: "x" })));
    expect(codes((await unpack(many, { maxEntries: 10 })).outcome.issues)).toEqual(["too_many_entries"]);
    const big = entries([
      { name: "a.bin", data: new Uint8Array(3000) },
      { name: "b.bin", data: new Uint8Array(3000) },
    ]);
    expect(codes((await unpack(big, { maxFileBytes: 2000 })).outcome.issues)).toEqual(["file_too_large"]);
    expect(codes((await unpack(big, { maxTotalBytes: 5000 })).outcome.issues)).toEqual(["archive_too_large"]);
    expect(codes((await unpack(big, { maxArchiveBytes: 1000 })).outcome.issues)).toEqual(["archive_too_large"]);
  });

  test("fails a zip-slip archive and writes nothing, inside or outside", async () => {
    const marker = crypto.randomUUID();
    const result = await unpack(zipSlipArchive(marker));
    expect(result.outcome.status).toBe("failed");
    expect(result.outcome.issues).toHaveLength(4);
    expect(result.outcome.issues.every((issue) => issue.code === "path_traversal" && issue.severity === "critical")).toBe(true);
    for (const target of [
      resolve(dest, `../../zip-slip-${marker}.txt`),
      resolve(dest, `../zip-slip-${marker}-nested.txt`),
      `/tmp/zip-slip-${marker}-absolute.txt`,
      resolve(dest, `../../zip-slip-${marker}-windows.txt`),
    ]) {
      expect(existsSync(target)).toBe(false);
    }
    expect(await readdir(parent)).toEqual([]);
  });

  test("refuses symlinks, also a linked directory with a file 'inside' it", async () => {
    const result = await unpack(symlinkArchive());
    expect(result.outcome.status).toBe("failed");
    expect(result.outcome.issues.filter((issue) => issue.code === "symlink").map((issue) => issue.file)).toEqual(["passwd", "escape"]);
    expect(existsSync("/tmp/planted.txt")).toBe(false);
    expect(existsSync(dest) ? await readdir(dest) : []).toEqual([]);
  });

  test("refuses devices, FIFOs and sockets by their unix mode", async () => {
    for (const mode of [0o020644, 0o060644, 0o010644, 0o140644]) {
      const result = await unpack(entries([{ name: "dev", data: "", mode }]));
      expect(codes(result.outcome.issues)).toEqual(["special_file"]);
    }
  });

  test("refuses duplicate names, file/directory clashes, odd paths and deep nesting", async () => {
    const duplicate = await unpack(
      entries([
        { name: "a.txt", data: "1" },
        { name: "a.txt", data: "2" },
      ]),
    );
    expect(codes(duplicate.outcome.issues)).toEqual(["duplicate_entry"]);
    const clash = await unpack(
      entries([
        { name: "a", data: "file" },
        { name: "a/b.txt", data: "in a dir" },
      ]),
    );
    expect(codes(clash.outcome.issues)).toEqual(["path_conflict"]);
    const odd = await unpack(
      entries([
        { name: "a//b.txt", data: "" },
        { name: "./c.txt", data: "" },
        { name: "d\u0001.txt", data: "" },
      ]),
    );
    expect(codes(odd.outcome.issues)).toEqual(["invalid_path"]);
    const deep = await unpack(entries([{ name: `${"d/".repeat(40)}x.txt`, data: "" }]));
    expect(codes(deep.outcome.issues)).toEqual(["path_too_deep"]);
  });

  test("refuses encrypted entries and unknown compression methods", async () => {
    const zip = entries([{ name: "a.txt", data: "secret" }]);
    const encrypted = patchCentral(zip, 8, 0x0001);
    expect(codes((await unpack(encrypted)).outcome.issues)).toEqual(["encrypted_entry"]);
    const bzip2 = patchCentral(patchLocal(zip, 8, 12), 10, 12);
    expect(codes((await unpack(bzip2)).outcome.issues)).toEqual(["unsupported_compression"]);
  });

  test("fails damaged archives: not a zip, truncated, bad checksum, overlapping entries", async () => {
    expect(codes((await unpack(new TextEncoder().encode("just text"))).outcome.issues)).toEqual(["malformed_zip"]);
    const zip = entries([{ name: "a.txt", data: "hello world", compress: true }]);
    expect(codes((await unpack(zip.subarray(0, zip.length - 5))).outcome.issues)).toEqual(["malformed_zip"]);
    const badCrc = patchCentral(patchLocal(zip, 14, 0xdeadbeef, 4), 16, 0xdeadbeef, 4);
    expect(codes((await unpack(badCrc)).outcome.issues)).toEqual(["crc_mismatch"]);
    expect((await unpack(overlapping())).outcome.issues[0]?.message).toMatch(/overlap/);
  });

  test("fails an archive with no files", async () => {
    expect(codes((await unpack(entries([{ name: "empty/" }]))).outcome.issues)).toEqual(["empty_archive"]);
  });

  test("never writes into a destination that already has files", async () => {
    await unpack(entries([{ name: "a.txt", data: "1" }]));
    await expect(unpack(entries([{ name: "b.txt", data: "2" }]))).rejects.toThrow(/not empty/);
    expect(await readFile(join(dest, "a.txt"), "utf8")).toBe("1");
  });
});

/** Writes `value` at `offset` of the (single) central directory record. */
function patchCentral(zip: Uint8Array, offset: number, value: number, size: 2 | 4 = 2): Uint8Array {
  const copy = zip.slice();
  const view = new DataView(copy.buffer);
  const central = view.getUint32(copy.length - 22 + 16, true);
  if (size === 2) view.setUint16(central + offset, value, true);
  else view.setUint32(central + offset, value, true);
  return copy;
}

function patchLocal(zip: Uint8Array, offset: number, value: number, size: 2 | 4 = 2): Uint8Array {
  const copy = zip.slice();
  const view = new DataView(copy.buffer);
  if (size === 2) view.setUint16(offset, value, true);
  else view.setUint32(offset, value, true);
  return copy;
}

/** Two central records for one local entry (the trick behind overlapping zip bombs). */
function overlapping(): Uint8Array {
  const zip = writeZip([{ name: "a.txt", data: "shared bytes" }]);
  const view = new DataView(zip.buffer);
  const cdOffset = view.getUint32(zip.length - 22 + 16, true);
  const central = zip.subarray(cdOffset, zip.length - 22);
  const end = zip.slice(zip.length - 22);
  const endView = new DataView(end.buffer);
  endView.setUint16(8, 2, true);
  endView.setUint16(10, 2, true);
  endView.setUint32(12, central.length * 2, true);
  const out = new Uint8Array(cdOffset + central.length * 2 + 22);
  out.set(zip.subarray(0, cdOffset), 0);
  out.set(central, cdOffset);
  out.set(central, cdOffset + central.length);
  out.set(end, cdOffset + central.length * 2);
  return out;
}
