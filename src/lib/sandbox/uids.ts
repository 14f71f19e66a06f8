/**
 * RLIMIT_NPROC counts every process of a uid on the host, so runs sharing one uid would share
 * one budget: a fork bomb in one validation would starve another running beside it. Each run
 * of this process gets its own unprivileged host uid (no such account exists; it owns nothing).
 */
const UID_SLOTS = 64;
const HOST_UID_BASE = 2_000_000;
const busySlots = new Set<number>();

export function takeUidSlot(): number {
  for (let slot = 0; slot < UID_SLOTS; slot++) {
    if (!busySlots.has(slot)) {
      busySlots.add(slot);
      return slot;
    }
  }
  throw new Error(`More than ${UID_SLOTS} sandboxes at once in one process`);
}

export function releaseUidSlot(slot: number): void {
  busySlots.delete(slot);
}

export function hostUidFor(slot: number): number {
  // The pid spreads concurrent worker processes of one host over distinct ranges.
  return HOST_UID_BASE + (process.pid % 10_000) * UID_SLOTS + slot;
}
