import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "./env.ts";
import { docsAssets } from "./http/docs.ts";
import type { Worker } from "./lib/queue/queue.ts";
import { startJobWorker } from "./runtime.ts";
import { bearer, sessionFor } from "./testing/auth.ts";
import { makeCategory, makeUser } from "./testing/factories.ts";
import { useTestApp } from "./testing/harness.ts";
import { closedPort } from "./testing/redis-test-support.ts";
import { multipartInit, publishParts } from "./testing/uploads.ts";
import { sampleAgentZip } from "./testing/zip.ts";

/** What a newcomer meets at start-up (issue 14, point 9): messages that name the cause, the contract's answers. */

const main = join(import.meta.dir, "main.ts");

async function serve(env: Record<string, string>, untilMs = 20_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const proc = Bun.spawn([process.execPath, main, "serve"], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), untilMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, stderr: await new Response(proc.stderr).text(), stdout: await new Response(proc.stdout).text() };
}

describe("start-up", () => {
  test("an empty PORT= is an error, not a random port", () => {
    expect(() => parseEnv({ PORT: "" })).toThrow(/PORT: must be a port number/);
    expect(parseEnv({ PORT: "8080" }).PORT).toBe(8080);
  });

  test("an unreachable DATABASE_URL names the variable and the address, without a stack frame or the password", async () => {
    const port = await closedPort();
    const dataDir = await mkdtemp(join(tmpdir(), "am-startup-"));
    try {
      const run = await serve({ DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${port}/market`, PORT: String(await closedPort()), DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`DATABASE_URL: cannot use postgres://127.0.0.1:${port}/market`);
      expect(run.stderr).toContain("ECONNREFUSED");
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).not.toContain("hunter2");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  test("an unreachable S3_ENDPOINT names the variable, the address and the bucket; an unreachable Redis is one warning naming REDIS_URL", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-startup-s3-"));
    try {
      const [s3Port, redisPort] = [await closedPort(), await closedPort()];
      const s3 = await serve({
        S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
        S3_ACCESS_KEY: "k",
        S3_SECRET_KEY: "s",
        S3_BUCKET: "agents",
        DATA_DIR: dataDir,
        PORT: String(await closedPort()),
      });
      expect(s3.code).toBe(1);
      expect(s3.stderr).toContain(`S3_ENDPOINT: cannot use http://127.0.0.1:${s3Port} bucket agents`);
      expect(s3.stderr).not.toMatch(/^\s+at /m);

      const port = await closedPort();
      const proc = Bun.spawn([process.execPath, main, "serve", "--port", String(port), "--data-dir", dataDir], {
        env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", REDIS_URL: `redis://:pw@127.0.0.1:${redisPort}` },
        stdout: "pipe",
        stderr: "pipe",
      });
      try {
        let health: Response | undefined;
        for (let i = 0; i < 600 && !health; i++) {
          health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
          if (!health) await Bun.sleep(50);
        }
        expect(await health?.json()).toMatchObject({ redis: "down" });
        await Bun.sleep(3_000);
        proc.kill("SIGTERM");
        await proc.exited;
        const logs = await new Response(proc.stdout).text();
        expect(logs.split("\n").filter((l) => l.includes(`REDIS_URL: cannot reach Redis at redis://127.0.0.1:${redisPort}`))).toHaveLength(1);
        expect(logs).not.toContain(":pw@");
        // Reconnect attempts are one warning per outage, not one line per attempt.
        expect(logs.split("\n").filter((l) => l.includes("redis connection error")).length).toBeLessThanOrEqual(1);
      } finally {
        proc.kill("SIGKILL");
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  test("a busy port is reported before the database is touched", async () => {
    const busy = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    try {
      const run = await serve({ PORT: String(busy.port), DATABASE_URL: `postgres://127.0.0.1:${await closedPort()}/x` });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`PORT: cannot use 127.0.0.1:${busy.port} (the port is already in use`);
      expect(run.stderr).not.toContain("DATABASE_URL");
    } finally {
      await busy.stop(true);
    }
  }, 30_000);

  test("a first start says it is creating the embedded database", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-first-start-"));
    const port = await closedPort();
    const proc = Bun.spawn([process.execPath, main, "serve", "--port", String(port), "--data-dir", dataDir], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info" },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      let health: Response | undefined;
      for (let i = 0; i < 600 && health?.status !== 200; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (health?.status !== 200) await Bun.sleep(50);
      }
      expect(health?.status).toBe(200);
      proc.kill("SIGTERM");
      await proc.exited;
      const logs = await new Response(proc.stdout).text();
      const first = logs.indexOf("first start: creating the embedded database");
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(logs.indexOf("server listening"));
    } finally {
      proc.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("without a working bubblewrap", () => {
  // A private mount namespace (needs root, as the suite runs) where /usr/bin/bwrap is /dev/null:
  // the host's own bwrap stays.
  test("start-up logs one clear warning and /health says sandbox unavailable, degraded", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-no-bwrap-"));
    const port = await closedPort();
    const script = `mount --bind /dev/null /usr/bin/bwrap && exec "$0" "$@"`;
    const proc = Bun.spawn(["unshare", "-m", "sh", "-c", script, process.execPath, main, "serve", "--port", String(port), "--data-dir", dataDir], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info" },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      let health: Response | undefined;
      for (let i = 0; i < 600 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (!health) await Bun.sleep(50);
      }
      expect(health?.status).toBe(200);
      expect(await health!.json()).toMatchObject({ status: "degraded", sandbox: "unavailable" });
      proc.kill("SIGTERM");
      await proc.exited;
      const warnings = (await new Response(proc.stdout).text()).split("\n").filter((l) => l.includes("validation sandbox unavailable"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("apt-get install bubblewrap");
    } finally {
      proc.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("contract details", () => {
  const t = useTestApp("services");
  let worker: Worker | undefined;
  const fixture = { token: "", category: "" };

  beforeAll(async () => {
    const user = await makeUser(t.rt.db.db);
    fixture.token = (await sessionFor(t.rt, user)).access_token;
    fixture.category = (await makeCategory(t.rt.db.db, { name: "Startup Tools", slug: "startup-tools" })).slug;
    // A worker in the same process picks the job up at once: the answer must still say pending.
    worker = startJobWorker(t.rt, { concurrency: 2 });
  });
  afterAll(async () => {
    await worker?.stop({ graceMs: 30_000 });
  }, 60_000);

  test("POST /agents answers validation_status pending even with a quick worker", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.fetch(
        "/api/v1/agents",
        multipartInit(
          "POST",
          publishParts({ category: fixture.category, name: `Quick Worker ${i}`, version: "1.0.0", code: sampleAgentZip(`q${i}`) }),
          bearer(fixture.token),
        ),
      );
      expect(res.status).toBe(202);
      expect(((await res.json()) as { validation_status: string }).validation_status).toBe("pending");
    }
  }, 60_000);

  test("an asset that cannot be read answers the contract's JSON 500 with a request id", async () => {
    const asset = docsAssets["swagger-ui.css"]!;
    const path = asset.path;
    asset.path = join(tmpdir(), `missing-${crypto.randomUUID()}.css`);
    try {
      const res = await t.fetch("/docs/assets/swagger-ui.css");
      expect(res.status).toBe(500);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { error: string; request_id: string };
      expect(body.error).toBe("internal_error");
      expect(body.request_id).toBe(res.headers.get("x-request-id") ?? "");
    } finally {
      asset.path = path;
    }
  });
});
