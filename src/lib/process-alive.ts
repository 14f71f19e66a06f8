/**
 * Whether a process id names a live process on this host. Files and groups named after their
 * creator's pid are leftovers once it is gone (a reused pid only delays their sweep).
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
