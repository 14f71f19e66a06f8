/**
 * Upload-to-validated time of the good Node sample agent: POST /agents through the HTTP stack,
 * then poll until its version is `passed`; the worker runs in the same process (role all).
 * Usage: bun scripts/bench/upload-to-validated.ts [runs]
 * Embedded default; DATABASE_URL / REDIS_URL / S3_* in the environment select production mode.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { readEnv } from "../../src/env.ts";
import { createRuntime, startJobWorker } from "../../src/runtime.ts";
import { apiTokenFor } from "../../src/testing/auth.ts";
import { makeCategory, makeUser } from "../../src/testing/factories.ts";
import { goodNodeAgent } from "../../src/testing/sample-agents.ts";
import { publishViaHttp } from "../../src/testing/uploads.ts";
import { printTable } from "./lib.ts";

const runs = Number(process.argv[2] ?? 20);
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-validate-"));
const rt = await createRuntime(readEnv({ DATA_DIR: dataDir, LOG_LEVEL: "silent", RATE_LIMIT_ENABLED: "false" }));
const { fetch } = createApp(rt);
const call = (path: string, init?: RequestInit) => fetch(new Request(`http://localhost${path}`, init));
const worker = startJobWorker(rt, { pollMs: 20, concurrency: 2 });
try {
  const user = await makeUser(rt.db.db);
  const category = await makeCategory(rt.db.db);
  const token = await apiTokenFor(rt, user);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const agent = await publishViaHttp(call, token, { name: `Bench Node Agent ${i}`, category: category.slug, code: goodNodeAgent() });
    for (;;) {
      const body = (await (await call(`/api/v1/agents/${agent.slug}`)).json()) as { validation_status: string };
      if (body.validation_status === "passed") break;
      if (["failed", "error"].includes(body.validation_status)) throw new Error(`validation ${body.validation_status}`);
      await Bun.sleep(10);
    }
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  printTable([{ runs, "p50 ms": at(0.5), "p90 ms": at(0.9), "max ms": times.at(-1)!, database: rt.db.kind, storage: rt.storage.kind }]);
} finally {
  await worker.stop({ graceMs: 5_000 });
  await rt.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
