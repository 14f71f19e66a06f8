import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "./env.ts";

const main = join(import.meta.dir, "main.ts");

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port!;
  await server.stop(true);
  return port;
}

describe("configuration", () => {
  test("defaults give the embedded server on 127.0.0.1:8000", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ HOST: "127.0.0.1", PORT: 8000, DATA_DIR: "./data", DOWNLOAD_MODE: "stream", MAX_UPLOAD_BYTES: 52428800 });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.CORS_ORIGINS).toEqual(["http://localhost:3000"]);
  });

  test("a bad value names the variable", () => {
    expect(() => parseEnv({ PORT: "eighty", DOWNLOAD_MODE: "teleport" })).toThrow(/PORT[\s\S]*DOWNLOAD_MODE|DOWNLOAD_MODE[\s\S]*PORT/);
  });

  test("the idle timeout must outlast the longest wait on a dependency, S3's retries included", () => {
    // Defaults: 3 attempts × (5 s connect + 30 s without progress) = 105 s < 120 s.
    expect(parseEnv({}).HTTP_IDLE_TIMEOUT_SECONDS).toBe(120);
    expect(() => parseEnv({ S3_REQUEST_TIMEOUT_MS: "40000" })).toThrow(
      /HTTP_IDLE_TIMEOUT_SECONDS: must be longer than the longest wait on a dependency \(135 s/,
    );
    expect(() => parseEnv({ HTTP_IDLE_TIMEOUT_SECONDS: "100" })).toThrow(/HTTP_IDLE_TIMEOUT_SECONDS/);
    expect(parseEnv({ S3_REQUEST_TIMEOUT_MS: "40000", HTTP_IDLE_TIMEOUT_SECONDS: "136" }).HTTP_IDLE_TIMEOUT_SECONDS).toBe(136);
  });

  test("a bad value stops start-up with that message and exit code 1", async () => {
    const proc = Bun.spawn([process.execPath, main, "serve"], { env: { PATH: process.env.PATH, DATABASE_URL: "not a url" }, stderr: "pipe", stdout: "ignore" });
    expect(await proc.exited).toBe(1);
    expect(await new Response(proc.stderr).text()).toContain("DATABASE_URL");
  });
});

describe("server process", () => {
  test("serves on the embedded default, then SIGTERM drains and exits 0", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-main-"));
    const port = await freePort();
    const proc = Bun.spawn([process.execPath, main, "serve", "--port", String(port), "--data-dir", dataDir], {
      env: { PATH: process.env.PATH, LOG_LEVEL: "info" },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      let health: Response | undefined;
      // A first start creates the embedded database: seconds when idle, 15 s+ on a busy 2-core CI machine.
      const deadline = Date.now() + 45_000;
      while (!health && Date.now() < deadline) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (!health) await Bun.sleep(50);
      }
      expect(health?.status).toBe(200);
      expect(await health!.json()).toMatchObject({ status: "healthy", database: "embedded" });
      // A request whose body trickles in is still in flight when SIGTERM arrives.
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('{"name":'));
          await Bun.sleep(800);
          controller.enqueue(new TextEncoder().encode('"Slow","slug":"slow"}'));
          controller.close();
        },
      });
      const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/admin/categories`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit);
      await Bun.sleep(300);
      proc.kill("SIGTERM");
      const answered = await inFlight;
      expect(answered.status).toBe(401);
      expect(((await answered.json()) as { error: string }).error).toBe("unauthorized");
      expect(await proc.exited).toBe(0);
      const logs = await new Response(proc.stdout).text();
      expect(logs).toContain('"msg":"stopped"');
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      proc.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);

  test("migrate applies the migrations once and exits", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-migrate-"));
    try {
      const run = () => Bun.spawnSync([process.execPath, main, "migrate", "--data-dir", dataDir], { env: { PATH: process.env.PATH } });
      const first = run();
      expect(first.exitCode).toBe(0);
      expect(first.stdout.toString()).toMatch(/migrations applied: [1-9]/);
      const second = run();
      expect(second.stdout.toString()).toContain("migrations applied: 0");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
