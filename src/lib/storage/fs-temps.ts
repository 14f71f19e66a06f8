import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, rm, rmdir, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join, sep } from "node:path";
import { isCode } from "../fs-helpers.ts";
import { processAlive } from "../process-alive.ts";

/*
 * The filesystem store writes each object (and sidecar) to a temp file and renames it into
 * place. A process killed mid-write leaves the temp file behind, next to the objects. Temp
 * names carry their writer's host and pid, so a sweep can tell an abandoned one (dead pid on
 * this host) from one being written right now. Temps of other hosts (a shared disk) and of
 * older versions (no owner in the name) go only once they are a day old.
 */
export const TEMP_SUFFIX = "~tmp";
const HOST = hostname().replace(/[^A-Za-z0-9]/g, "_") || "host";
const OWNER = /\.([A-Za-z0-9_]+)\.(\d+)\.[0-9a-f]{16}~tmp$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `<dir>/.<base>.<host>.<pid>.<random>~tmp`; `base` may be empty. */
export function ownedTempPath(dir: string, base: string): string {
  const prefix = base === "" ? "" : `.${base}`;
  return join(dir, `${prefix}.${HOST}.${process.pid}.${randomBytes(8).toString("hex")}${TEMP_SUFFIX}`);
}

function abandoned(name: string, mtimeMs: number, now: number): boolean {
  const owner = OWNER.exec(name);
  if (owner?.[1] === HOST && !processAlive(Number(owner[2]))) return true;
  return now - mtimeMs > DAY_MS;
}

/** Removes abandoned temp files under root (and directories they leave empty); returns how many. */
export async function sweepAbandonedTemps(root: string): Promise<number> {
  const now = Date.now();
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) return;
      throw error;
    }
    let removedHere = false;
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith(TEMP_SUFFIX)) {
        const stats = await stat(path).catch(() => null);
        if (!stats || !abandoned(entry.name, stats.mtimeMs, now)) continue;
        await rm(path, { force: true });
        removed++;
        removedHere = true;
      }
    }
    // A killed first upload of a key leaves its directory holding only the temp file.
    if (removedHere && dir.startsWith(root + sep)) await rmdir(dir).catch(() => undefined);
  };
  await walk(root);
  return removed;
}
