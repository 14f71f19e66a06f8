import { join } from "node:path";
import type { Subprocess } from "bun";
import { closedPort, waitFor } from "./redis-test-support.ts";

/**
 * Server processes (src/main.ts serve) of a test's own, as an operator runs them: API and worker
 * roles on shared PostgreSQL, Redis and S3, each killable. Logs are kept for assertions.
 */
const MAIN = join(import.meta.dir, "..", "main.ts");

export interface ServerProcess {
  role: "api" | "worker" | "all";
  port: number;
  url: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  logs(): string;
  /** SIGKILL: no shutdown, no cleanup (a crash). */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<number | null>;
}

export async function startServer(role: ServerProcess["role"], env: Record<string, string>, opts: { waitHealthy?: boolean } = {}): Promise<ServerProcess> {
  const port = await closedPort();
  const proc = Bun.spawn([process.execPath, MAIN, "serve", "--role", role, "--port", String(port)], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", NODE_ENV: "production", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      output += decoder.decode(value, { stream: true });
    }
  };
  void drain(proc.stdout);
  void drain(proc.stderr);
  const server: ServerProcess = {
    role,
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    logs: () => output,
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    async stop() {
      proc.kill("SIGTERM");
      return await proc.exited;
    },
  };
  if (opts.waitHealthy ?? true) {
    await waitFor(
      `${role} on ${port} to answer /health`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`${role} exited ${proc.exitCode}: ${output.slice(-2000)}`);
        return (await fetch(`${server.url}/health`).catch(() => null))?.ok === true;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  }
  return server;
}
