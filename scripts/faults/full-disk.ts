import { readdirSync } from "node:fs";
import { agentVersions } from "../../db/schema/index.ts";
import { mountSmallDisk } from "../../src/testing/private-services.ts";
import { zipOfSize } from "../../src/testing/zip.ts";
import { check, count, createWorld, type FaultRow, publish, row } from "./lib.ts";

/** DATA_DIR on a 3 MiB tmpfs under uploads: 202 until full, then 503 only, and nothing left behind. */
export async function fullDiskDuringUploads(): Promise<FaultRow> {
  const r = row("full disk during uploads");
  const disk = mountSmallDisk(3 * 1024 * 1024);
  const world = await createWorld({ dataDir: disk.dir });
  try {
    const api = await world.start("api");
    const { token } = await world.user();
    let accepted = 0;
    for (let i = 0; i < 10; i++) {
      if (i === 7) disk.fill();
      const res = await publish(api, token, world.category, `Disk Fault ${i}`, zipOfSize(600 * 1024));
      count(r, res.status);
      if (res.status === 202) accepted++;
      if (res.status === 503) check(r, `503 ${i} has Retry-After`, res.headers.has("retry-after"));
    }
    check(r, "no 5xx but 503", r.otherErrors === 0, `${r.otherErrors} other 5xx`);
    check(r, "disk filled up (503 seen)", r.unavailable > 0);
    const versions = await world.rt.db.db.select({ id: agentVersions.id }).from(agentVersions);
    check(r, "a version per accepted upload", versions.length === accepted, `${versions.length} versions, ${accepted} accepted`);
    const stray = readdirSync(disk.dir, { recursive: true }).filter((name) => String(name).endsWith("~tmp"));
    check(r, "no temp files left", stray.length === 0, `${stray.length} left`);
    check(r, "process alive", api.proc.exitCode === null);
  } catch (error) {
    check(r, "scenario ran", false, error instanceof Error ? error.message : String(error));
  } finally {
    await world.close();
    disk.destroy();
  }
  return r;
}
