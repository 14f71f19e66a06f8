/**
 * Writes a migrated, empty embedded database as a tarball (argument: the output path). The build
 * embeds it in the binary, whose first start then unpacks it instead of running initdb and every
 * migration (~2–5 s → ~0.5 s). The tarball is a build product: never committed.
 * Usage: bun scripts/pglite-template.ts dist/pglite-template.tar.gz
 */
import { PGlite } from "@electric-sql/pglite";
import { EMBEDDED_SHARED_BUFFERS_MB } from "../src/env.ts";
import { keepSharedBuffers, wrapPglite } from "../src/lib/db/db.ts";
import { migrateDatabase } from "../src/lib/db/migrate.ts";
import { loadPgliteAssets, pgliteExtensions } from "../src/lib/db/pglite-assets.ts";

const out = process.argv[2];
if (!out) throw new Error("usage: bun scripts/pglite-template.ts <output.tar.gz>");
const client = await PGlite.create({ dataDir: "memory://", ...(await loadPgliteAssets()), extensions: pgliteExtensions });
try {
  const { applied } = await migrateDatabase(wrapPglite(client));
  await keepSharedBuffers(client, EMBEDDED_SHARED_BUFFERS_MB);
  await Bun.write(out, await client.dumpDataDir("gzip"));
  console.log(`embedded database template: ${applied} migrations, ${out}`);
} finally {
  await client.close();
}
