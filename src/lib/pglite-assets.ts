import pgliteWasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };
import initdbWasmPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import pgliteDataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };

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
    const fsBundle = new Blob([await Bun.file(pgliteDataPath).arrayBuffer()]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle };
  })();
  return cached;
}
