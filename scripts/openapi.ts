/**
 * `npm run openapi` writes openapi.json, the document other languages generate clients from;
 * `npm run check:openapi` (part of `npm run check`) fails when the committed file is out of date.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildOpenApiDocument } from "../src/app.ts";

const file = join(import.meta.dir, "..", "openapi.json");
const current = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  const committed = await readFile(file, "utf8").catch(() => "");
  if (committed !== current) {
    console.error("openapi.json is out of date with the routers and the contract: run `npm run openapi` and commit it");
    process.exit(1);
  }
  console.log("openapi.json is up to date");
} else {
  await writeFile(file, current);
  console.log(`wrote ${file}`);
}
