/**
 * The migrated empty database that `npm run build` embeds in the binary (scripts/pglite-template.ts).
 * A first start in an empty DATA_DIR unpacks it instead of running initdb and every migration.
 * Absent when running from source: `npm start` creates the database the long way.
 */
export function embeddedDatabaseTemplate(): Blob | undefined {
  return Bun.embeddedFiles.find((file) => (file as File).name?.startsWith("pglite-template"));
}
