import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedPort, waitFor } from "../../testing/redis-test-support.ts";
import { createFilesystemStore } from "./fs.ts";

const fsModule = join(import.meta.dir, "fs.ts");

function tempsIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith("~tmp")) : [];
}

/**
 * A real process starts a put into a new key's directory, its stream stalls, and it is
 * killed -9 mid-write: exactly what a killed API leaves. Returns the temp file's directory.
 */
async function killedWriter(root: string, key: string): Promise<string> {
  const script = `
    import { createFilesystemStore } from ${JSON.stringify(fsModule)};
    const store = await createFilesystemStore({ root: ${JSON.stringify(root)}, signingSecret: "s".repeat(32), baseUrl: "http://127.0.0.1" });
    // Held globally so the stalled put (and its file handle) is never garbage collected.
    const body = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(4096)); globalThis.held = c; } });
    globalThis.put = store.put(${JSON.stringify(key)}, body);
    setInterval(() => {}, 1000);`;
  const child = Bun.spawn([process.execPath, "-e", script], { stdout: "ignore", stderr: "inherit" });
  const dir = join(root, key.slice(0, key.lastIndexOf("/")));
  await waitFor("the writer's temp file", () => tempsIn(dir).some((n) => n.includes(`.${child.pid}.`)), { timeoutMs: 15_000, intervalMs: 20 });
  child.kill("SIGKILL");
  await child.exited;
  return dir;
}

describe("temp files of a filesystem-store writer that was killed (issue 14)", () => {
  test("the sweep removes a dead writer's temp and its empty directory, keeps live writers' temps and objects", async () => {
    const root = await mkdtemp(join(tmpdir(), "am-fs-temps-"));
    try {
      const store = await createFilesystemStore({ root, signingSecret: "s".repeat(32), baseUrl: "http://127.0.0.1" });
      await store.put("agents/kept/1.zip", new TextEncoder().encode("complete object"));
      const deadDir = await killedWriter(root, "agents/fresh/1.zip");
      expect(tempsIn(deadDir)).toHaveLength(1);

      // This process is writing right now: its temp must survive the sweep.
      let finish: (() => void) | undefined;
      const stalled = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("in progress"));
          finish = () => c.close();
        },
      });
      const ongoing = store.put("agents/kept/2.zip", stalled);
      const keptDir = join(root, "agents/kept");
      await waitFor("our own temp file", () => tempsIn(keptDir).length === 1, { timeoutMs: 5_000, intervalMs: 10 });
      // Written by an older version (no owner in the name): kept while young, swept once a day old.
      writeFileSync(join(keptDir, ".young.0123456789abcdef~tmp"), "x");
      const old = join(keptDir, ".old.0123456789abcdef~tmp");
      writeFileSync(old, "x");
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      utimesSync(old, twoDaysAgo, twoDaysAgo);

      expect(await store.sweepLeftovers()).toBe(2);
      expect(existsSync(deadDir)).toBe(false);
      const left = tempsIn(keptDir);
      expect(left).toHaveLength(2);
      expect(left).toContain(".young.0123456789abcdef~tmp");
      expect(left.some((n) => n.includes(`.${process.pid}.`))).toBe(true);
      finish?.();
      await ongoing;
      expect(await new Response((await store.get("agents/kept/2.zip"))?.body).text()).toBe("in progress");
      expect(await new Response((await store.get("agents/kept/1.zip"))?.body).text()).toBe("complete object");
      expect(await store.sweepLeftovers()).toBe(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 30_000);

  test("a server starting on the data dir sweeps them at start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-fs-temps-serve-"));
    const blobs = join(dataDir, "blobs");
    await mkdir(blobs, { recursive: true });
    const deadDir = await killedWriter(blobs, "agents/left/1.zip");
    expect(tempsIn(deadDir)).toHaveLength(1);
    const port = await closedPort();
    const server = Bun.spawn([process.execPath, join(import.meta.dir, "..", "..", "main.ts"), "serve", "--port", String(port), "--data-dir", dataDir], {
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      await waitFor("the server", async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null)) !== null, {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      await waitFor("the start-up sweep", () => !existsSync(deadDir), { timeoutMs: 10_000, intervalMs: 50 });
    } finally {
      server.kill("SIGTERM");
      // A server stopped mid-start may not shut down cleanly; never leave it running.
      const stopped = await Promise.race([server.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!stopped) server.kill("SIGKILL");
      await server.exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
