import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeZip, type ZipWriterEntry } from "../../../src/testing/zip-writer.ts";
import { isMarketplaceError, type MarketplaceError } from "../errors.ts";
import { unpackArchive } from "./unpack.ts";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "unpack-test-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function archive(entries: ZipWriterEntry[], compress = false): Promise<string> {
  const file = join(work, "archive.zip");
  await writeFile(file, writeZip(entries, { compress }));
  return file;
}

async function refusal(entries: ZipWriterEntry[]): Promise<MarketplaceError> {
  const target = join(work, "out", "agent");
  const error = await unpackArchive(await archive(entries), target).catch((e: unknown) => e);
  if (!isMarketplaceError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  // Nothing written: not the target, not its parent, no staging folder, nothing beside the archive.
  expect(await readdir(work)).toEqual(["archive.zip"]);
  return error;
}

const ok = { name: "index.js", data: "module.exports = {};\n" };

describe("unpackArchive refuses hostile archives and writes nothing", () => {
  test.each([
    ["a ../ path", "../evil.js"],
    ["a ../ path deep inside", "lib/../../evil.js"],
    ["an absolute path", "/tmp/evil.js"],
    ["a drive letter", "C:/evil.js"],
    ["a backslash path", "..\\evil.js"],
    ["a . segment", "./index2.js"],
  ])("%s", async (_label, name) => {
    const error = await refusal([ok, { name, data: "pwned" }]);
    expect(error.code).toBe("unsafe_archive");
    expect(error.fieldErrors).toEqual([expect.objectContaining({ loc: ["archive", name], type: "unsafe_path" })]);
  });

  test("a symbolic link, even one pointing inside", async () => {
    const error = await refusal([ok, { name: "link", data: "index.js", symlink: true }, { name: "out", data: "/etc/passwd", symlink: true }]);
    expect(error.fieldErrors.map((e) => [e.loc[1], e.type])).toEqual([
      ["link", "link"],
      ["out", "link"],
    ]);
  });

  test("a device and a fifo", async () => {
    const error = await refusal([ok, { name: "dev", mode: 0o020644 }, { name: "fifo", mode: 0o010644 }]);
    expect(error.fieldErrors.map((e) => e.type)).toEqual(["special_file", "special_file"]);
  });

  test("two entries with one name (letter case aside), and a file where a folder must be", async () => {
    const error = await refusal([ok, { name: "A.txt", data: "1" }, { name: "a.txt", data: "2" }, { name: "lib", data: "x" }, { name: "lib/x.js", data: "y" }]);
    expect(error.fieldErrors.map((e) => [e.loc[1], e.type])).toEqual([
      ["a.txt", "duplicate"],
      ["lib/x.js", "conflict"],
    ]);
  });

  test("sizes past the limits", async () => {
    const target = join(work, "out");
    const file = await archive([ok, { name: "big.bin", data: new Uint8Array(5000) }]);
    const error = (await unpackArchive(file, target, { maxBytes: 4000 }).catch((e: unknown) => e)) as MarketplaceError;
    expect(error.code).toBe("unsafe_archive");
    expect(error.fieldErrors[0]?.type).toBe("too_large");
    const many = (await unpackArchive(file, target, { maxEntries: 1 }).catch((e: unknown) => e)) as MarketplaceError;
    expect(many.fieldErrors[0]?.type).toBe("too_many_entries");
    expect(await readdir(work)).toEqual(["archive.zip"]);
  });

  test("an entry whose size lies (a zip bomb's trick) fails while unpacking and leaves nothing", async () => {
    const error = await refusal([ok, { name: "bomb.txt", data: "a".repeat(10_000), declaredSize: 10, compress: true }]);
    expect(error.code).toBe("unsafe_archive");
  });

  test("something that is not a zip", async () => {
    const file = join(work, "archive.zip");
    await writeFile(file, "not a zip at all");
    const error = (await unpackArchive(file, join(work, "out")).catch((e: unknown) => e)) as MarketplaceError;
    expect(error.code).toBe("unsafe_archive");
    expect(await readdir(work)).toEqual(["archive.zip"]);
  });

  test("a target that is not empty", async () => {
    const file = await archive([ok]);
    const target = join(work, "existing");
    await mkdir(target);
    await writeFile(join(target, "keep.txt"), "mine");
    const error = (await unpackArchive(file, target).catch((e: unknown) => e)) as MarketplaceError;
    expect(error.code).toBe("target_not_empty");
    expect(await readdir(target)).toEqual(["keep.txt"]);
  });
});

describe("unpackArchive unpacks a sound archive", () => {
  test("files, folders and the executable bit; into a new or an empty folder", async () => {
    const entries: ZipWriterEntry[] = [
      { name: "agent/" },
      { name: "agent/index.js", data: "module.exports = {};\n" },
      { name: "agent/bin/run.sh", data: "#!/bin/sh\necho hi\n", mode: 0o755 },
      { name: "agent/data/blob.bin", data: new Uint8Array([0, 1, 2, 255]) },
    ];
    const file = await archive(entries, true);
    for (const target of [join(work, "new", "agent"), join(work, "empty")]) {
      if (target.endsWith("empty")) await mkdir(target);
      const files = await unpackArchive(file, target);
      expect(files).toEqual([
        { path: "agent/index.js", size: 21, executable: false },
        { path: "agent/bin/run.sh", size: 18, executable: true },
        { path: "agent/data/blob.bin", size: 4, executable: false },
      ]);
      expect(await readFile(join(target, "agent/data/blob.bin"))).toEqual(Buffer.from([0, 1, 2, 255]));
      expect((await stat(join(target, "agent/bin/run.sh"))).mode & 0o111).not.toBe(0);
      expect((await stat(join(target, "agent/index.js"))).mode & 0o111).toBe(0);
    }
    // No staging folder is left beside the targets.
    expect((await readdir(join(work, "new"))).sort()).toEqual(["agent"]);
  });
});
