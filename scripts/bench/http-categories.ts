/**
 * GET /api/v1/categories through the whole stack vs a bare Elysia route, in the same run.
 * Servers on core 0, wrk on core 1. Usage: bun scripts/bench/http-categories.ts [seconds]
 * Embedded default unless DATABASE_URL / REDIS_URL are set in the environment.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printTable, spawnPinned, waitForHttp, wrk } from "./lib.ts";

const seconds = Number(process.argv[2] ?? 10);
const root = join(import.meta.dir, "..", "..");
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-"));
const app = spawnPinned(0, [process.execPath, join(root, "src/main.ts"), "serve", "--port", "8198", "--data-dir", dataDir], {
  RATE_LIMIT_ENABLED: "false",
});
const bare = spawnPinned(0, [process.execPath, join(root, "scripts/bench/bare-elysia.ts"), "8199"]);
try {
  await waitForHttp("http://127.0.0.1:8198/health");
  await waitForHttp("http://127.0.0.1:8199/bare");
  const opts = { core: 1, seconds, connections: 50 };
  wrk("http://127.0.0.1:8199/bare", { ...opts, seconds: 2 }); // warm-up
  wrk("http://127.0.0.1:8198/api/v1/categories", { ...opts, seconds: 2 });
  const bareResult = wrk("http://127.0.0.1:8199/bare", opts);
  const appResult = wrk("http://127.0.0.1:8198/api/v1/categories", opts);
  printTable([
    { route: "bare Elysia GET /bare", "req/s": bareResult.requestsPerSec, "p50 ms": bareResult.p50Ms, "p99 ms": bareResult.p99Ms, errors: bareResult.errors },
    { route: "GET /api/v1/categories", "req/s": appResult.requestsPerSec, "p50 ms": appResult.p50Ms, "p99 ms": appResult.p99Ms, errors: appResult.errors },
  ]);
  console.log(`ratio categories / bare: ${(appResult.requestsPerSec / bareResult.requestsPerSec).toFixed(3)}`);
} finally {
  app.kill("SIGTERM");
  bare.kill("SIGTERM");
  await Promise.all([app.exited, bare.exited]);
  await rm(dataDir, { recursive: true, force: true });
}
