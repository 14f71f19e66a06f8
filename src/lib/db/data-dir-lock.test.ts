import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acquireDataDirLock, DataDirLockedError } from "./data-dir-lock.ts";

describe("data dir lock", () => {
  const dirs: string[] = [];
  const lockPath = async () => {
    const dir = await mkdtemp(join(tmpdir(), "am-lock-"));
    dirs.push(dir);
    return join(dir, "db.lock");
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  test("the holder's pid is written; a second open in this process is refused; release frees it", async () => {
    const path = await lockPath();
    const lock = await acquireDataDirLock(path);
    expect((await readFile(path, "utf8")).trim()).toBe(String(process.pid));
    await expect(acquireDataDirLock(path)).rejects.toBeInstanceOf(DataDirLockedError);
    await lock.release();
    await expect(readFile(path, "utf8")).rejects.toThrow();
    await (await acquireDataDirLock(path)).release();
  });

  test("a live process holding the lock refuses with a clear message; once it is gone the stale lock is taken over", async () => {
    const path = await lockPath();
    const holder = Bun.spawn(["sleep", "30"]);
    try {
      await writeFile(path, `${holder.pid}\n`);
      const error = await acquireDataDirLock(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect((error as Error).message).toContain(`in use by process ${holder.pid}`);
      expect((error as Error).message).toContain("Stop that process first");
    } finally {
      holder.kill();
      await holder.exited;
    }
    const lock = await acquireDataDirLock(path);
    expect((await readFile(path, "utf8")).trim()).toBe(String(process.pid));
    await lock.release();
  });

  test("a lock file with our own pid from an earlier life (pid reuse) or garbage does not block", async () => {
    const path = await lockPath();
    await writeFile(path, `${process.pid}\n`);
    await (await acquireDataDirLock(path)).release();
    await writeFile(path, "not a pid");
    await (await acquireDataDirLock(path)).release();
  });
});
