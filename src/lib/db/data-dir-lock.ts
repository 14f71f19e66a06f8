import { open, readFile, unlink } from "node:fs/promises";

/**
 * One process at a time may open an embedded (PGlite) database folder; a second one would
 * corrupt it. The holder writes its pid into a lock file next to the folder and removes it on
 * close. A lock whose process is gone (a crash, a killed server) is taken over.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database is in use by process ${pid} (a running server?). ` +
        `Stop that process first, or set DATABASE_URL to use PostgreSQL. Lock file: ${lockPath}`,
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Locks held by this process: a pid match alone cannot tell our own lock from a stale one of a reused pid. */
const heldHere = new Set<string>();

export async function acquireDataDirLock(lockPath: string): Promise<DataDirLock> {
  if (heldHere.has(lockPath)) throw new DataDirLockedError(lockPath, process.pid);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // "wx" fails if the file exists, so two processes starting together cannot both win.
      const file = await open(lockPath, "wx");
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      heldHere.add(lockPath);
      return { release: () => releaseDataDirLock(lockPath) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // An empty file may be a holder between creating and writing it: give it a moment.
    const holder = (await readHolder(lockPath)) ?? (await Bun.sleep(100).then(() => readHolder(lockPath)));
    if (holder !== null && holder !== process.pid && isAlive(holder)) throw new DataDirLockedError(lockPath, holder);
    await unlink(lockPath).catch(() => undefined);
  }
  throw new Error(`Could not take the lock ${lockPath}`);
}

async function releaseDataDirLock(lockPath: string): Promise<void> {
  if (!heldHere.delete(lockPath)) return;
  if ((await readHolder(lockPath)) === process.pid) await unlink(lockPath).catch(() => undefined);
}

async function readHolder(lockPath: string): Promise<number | null> {
  const text = await readFile(lockPath, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
