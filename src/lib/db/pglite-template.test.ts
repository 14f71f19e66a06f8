import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrations } from "../../../db/migrations/index.ts";
import { EMBEDDED_SHARED_BUFFERS_MB } from "../../env.ts";
import { openEmbedded } from "./db.ts";
import { migrateDatabase } from "./migrate.ts";

describe("the embedded database template (the binary's first start)", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a folder opened from the template holds every migration, keeps what is written, and later opens ignore the template", async () => {
    dir = await mkdtemp(join(tmpdir(), "am-template-"));
    const tarball = join(dir, "template.tar.gz");
    const made = Bun.spawnSync([process.execPath, join(import.meta.dir, "../../../scripts/pglite-template.ts"), tarball], { stderr: "pipe" });
    expect(made.exitCode).toBe(0);
    const template = Bun.file(tarball);

    const first = await openEmbedded(join(dir, "db"), { template });
    const sharedBuffers = async (db: typeof first) => (await db.client.query<{ shared_buffers: string }>("show shared_buffers")).rows[0]?.shared_buffers;
    try {
      // The template starts with the small default buffer cache (a fast start), not PostgreSQL's 128 MB.
      expect(await sharedBuffers(first)).toBe(`${EMBEDDED_SHARED_BUFFERS_MB}MB`);
      expect(await migrateDatabase(first)).toEqual({ applied: 0 });
      const applied = await first.client.query<{ n: number }>("select count(*)::int as n from drizzle.__drizzle_migrations");
      expect(applied.rows[0]?.n).toBe(migrations.length);
      // pg_trgm was created by a migration and its functions work in the unpacked folder.
      expect((await first.client.query<{ s: number }>("select similarity('agent', 'agents') as s")).rows[0]?.s).toBeGreaterThan(0.5);
      await first.client.query("insert into categories (slug, name) values ('kept', 'Kept')");
    } finally {
      await first.close();
    }

    // A folder that exists is opened as it is: the row written above is still there. A different
    // EMBEDDED_SHARED_BUFFERS_MB is recorded now and applies from the next start.
    const again = await openEmbedded(join(dir, "db"), { template, sharedBuffersMb: 24 });
    try {
      expect((await again.client.query<{ slug: string }>("select slug from categories")).rows.map((r) => r.slug)).toEqual(["kept"]);
      expect(await sharedBuffers(again)).toBe(`${EMBEDDED_SHARED_BUFFERS_MB}MB`);
    } finally {
      await again.close();
    }
    const third = await openEmbedded(join(dir, "db"), { template, sharedBuffersMb: 24 });
    try {
      expect(await sharedBuffers(third)).toBe("24MB");
    } finally {
      await third.close();
    }
  }, 60_000);
});
