import { rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import initdbWasmPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import pgliteDataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import pgliteWasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };
// The package does not export its contrib bundles, so the file is reached by path.
import pgTrgmBundlePath from "../../../node_modules/@electric-sql/pglite/dist/pg_trgm.tar.gz" with { type: "file" };

/**
 * PGlite finds its wasm and data files next to its own module, which does not exist inside a
 * `bun build --compile` binary. Importing them as files embeds them in the binary (and resolves
 * to the package's files in a normal run), so one code path serves both.
 */
let cached: Promise<{ pgliteWasmModule: WebAssembly.Module; initdbWasmModule: WebAssembly.Module; fsBundle: Blob }> | undefined;

export function loadPgliteAssets() {
  cached ??= (async () => {
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([
      WebAssembly.compile(await Bun.file(pgliteWasmPath).arrayBuffer()),
      WebAssembly.compile(await Bun.file(initdbWasmPath).arrayBuffer()),
    ]);
    // A BunFile is a Blob: PGlite reads it once with arrayBuffer(). Copying it into a new Blob
    // first cost ~150 ms of every start.
    return { pgliteWasmModule, initdbWasmModule, fsBundle: Bun.file(pgliteDataPath) };
  })();
  return cached;
}

/** Contrib extensions we use, loaded from embedded bundles for the same reason as above. */
export const pgliteExtensions = {
  pg_trgm: { name: "pg_trgm", setup: async () => ({ bundlePath: pathToFileURL(await onDisk(pgTrgmBundlePath)) }) },
};

/**
 * PGlite streams extension bundles with fs.createReadStream, which cannot open files embedded
 * in a compiled binary; such a file is copied out to the temp dir once (keyed by its content).
 */
async function onDisk(path: string): Promise<string> {
  if (!path.startsWith("/$bunfs/")) return path;
  const bytes = await Bun.file(path).bytes();
  const hash = new Bun.CryptoHasher("sha256").update(bytes).digest("hex").slice(0, 16);
  const target = join(tmpdir(), `agent-marketplace-${hash}-${basename(path)}`);
  if (!(await Bun.file(target).exists())) {
    const partial = `${target}.${process.pid}.partial`;
    await Bun.write(partial, bytes);
    await rename(partial, target);
  }
  return target;
}
