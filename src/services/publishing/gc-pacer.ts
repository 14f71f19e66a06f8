/**
 * Paces garbage collection for large streams. On a server whose heap is already big (PGlite
 * alone is ~300 MiB), JavaScriptCore lets freed chunk buffers pile up for a long while, so a
 * 50 MiB transfer would cost ~2x its size in RSS before the next collection. An asynchronous
 * collection hint every few MiB keeps a transfer's footprint to a few chunks; it never blocks.
 */
export function gcPacer(everyBytes = 8 * 1024 * 1024): (chunkBytes: number) => void {
  let sinceLast = 0;
  return (chunkBytes) => {
    sinceLast += chunkBytes;
    if (sinceLast < everyBytes) return;
    sinceLast = 0;
    Bun.gc(false);
  };
}
