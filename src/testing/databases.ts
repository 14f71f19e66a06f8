import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { readTestEnv } from "../env.ts";
import { connectPostgres, type DatabaseHandle, openEmbedded, wrapPglite } from "../lib/db/db.ts";
import { migrateDatabase } from "../lib/db/migrate.ts";

/**
 * Test isolation: every test file gets its own database. PostgreSQL ones are copied from a
 * template migrated once per run (CREATE DATABASE ... TEMPLATE is a file copy, ~100 ms);
 * embedded ones are clones of one migrated in-memory PGlite.
 */
const testEnv = readTestEnv();
const runPrefix = `am_${testEnv.TEST_RUN_ID}`;
let templateReady: Promise<string> | undefined;
let counter = 0;

function urlFor(database: string): string {
  const url = new URL(testEnv.TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testEnv.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function ensureTemplate(): Promise<string> {
  templateReady ??= (async () => {
    const name = `${runPrefix}_template`;
    await admin(async (client) => {
      await client.query("select pg_advisory_lock(4242)");
      try {
        const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
        if (exists.rowCount === 0) {
          await client.query(`create database "${name}"`);
          const handle = connectPostgres(urlFor(name), 2);
          try {
            await migrateDatabase(handle);
          } finally {
            await handle.close();
          }
        }
      } finally {
        await client.query("select pg_advisory_unlock(4242)");
      }
    });
    return name;
  })();
  return templateReady;
}

/** A fresh, migrated PostgreSQL database for one test file; dropped by scripts/test.ts. */
export async function createPostgresTestDatabase(poolSize = 10): Promise<{ handle: DatabaseHandle; url: string }> {
  const template = await ensureTemplate();
  const name = `${runPrefix}_${process.pid}_${++counter}`;
  await admin((client) => client.query(`create database "${name}" template "${template}"`));
  const url = urlFor(name);
  return { handle: connectPostgres(url, poolSize), url };
}

let embeddedTemplate: Promise<PGlite> | undefined;

/** A migrated in-memory PGlite of its own. */
export async function createEmbeddedTestDatabase(): Promise<DatabaseHandle> {
  embeddedTemplate ??= (async () => {
    const handle = await openEmbedded("memory://");
    await migrateDatabase(handle);
    return handle.client;
  })();
  const template = await embeddedTemplate;
  return wrapPglite((await template.clone()) as PGlite);
}
