import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { closedPort, sleep, waitFor } from "./redis-test-support.ts";

/**
 * Throwaway PostgreSQL clusters and Redis servers of a test's own, on free ports, that the test
 * may stop, kill, pause and restart (the shared test services must never be touched). PostgreSQL
 * refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */

const PG_BIN = (() => {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  return versions[0] ? join(root, versions[0], "bin") : "";
})();

const asRoot = process.getuid?.() === 0;

function run(argv: string[], opts: { allowFail?: boolean } = {}): string {
  const cmd = asRoot ? ["runuser", "-u", "postgres", "--", ...argv] : argv;
  const result = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0 && !opts.allowFail) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}${result.stdout.toString()}`);
  return result.stdout.toString();
}

function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join("/tmp", prefix));
  if (asRoot) {
    const pwd = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((line) => line.startsWith("postgres:"));
    const [, , uid, gid] = pwd?.split(":") ?? [];
    if (uid && gid) chownSync(dir, Number(uid), Number(gid));
  }
  chmodSync(dir, 0o700);
  return dir;
}

export type StopMode = "fast" | "immediate" | "smart";

export interface PrivatePostgres {
  port: number;
  dir: string;
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  start(): Promise<void>;
  stop(mode?: StopMode): void;
  /** SIGSTOP (or SIGCONT) the postmaster and every backend: a hung database. */
  pause(): void;
  resume(): void;
  /** Runs one SQL statement with psql and returns its output. */
  psql(sql: string, database?: string): string;
  destroy(): void;
}

const SETTINGS = [
  "-c fsync=off",
  "-c full_page_writes=off",
  "-c listen_addresses=127.0.0.1",
  "-c max_connections=200",
  "-c wal_level=replica",
  "-c max_wal_senders=5",
];

/** A backend may have exited between listing and signalling it. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function cluster(dir: string, port: number, settings: string[] = []): PrivatePostgres {
  const pids = () => {
    const pidFile = join(dir, "postmaster.pid");
    if (!existsSync(pidFile)) return [];
    const main = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    const children = Bun.spawnSync(["ps", "-o", "pid=", "--ppid", String(main)])
      .stdout.toString()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return [main, ...children];
  };
  const self: PrivatePostgres = {
    port,
    dir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      run([
        join(PG_BIN, "pg_ctl"),
        "-D",
        dir,
        "-l",
        join(dir, "server.log"),
        "-w",
        "-t",
        "30",
        "-o",
        `-p ${port} -k ${dir} ${[...SETTINGS, ...settings].join(" ")}`,
        "start",
      ]);
      await waitFor(`postgres on ${port}`, () => Bun.spawnSync([join(PG_BIN, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", String(port)]).exitCode === 0, {
        timeoutMs: 20_000,
        intervalMs: 50,
      });
    },
    stop(mode = "fast") {
      run([join(PG_BIN, "pg_ctl"), "-D", dir, "-m", mode, "-w", "-t", "30", "stop"], { allowFail: true });
    },
    pause() {
      for (const pid of pids()) signal(pid, "SIGSTOP");
    },
    resume() {
      for (const pid of pids().reverse()) signal(pid, "SIGCONT");
    },
    psql(sql, database = "postgres") {
      return run(["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", database, "-c", sql]);
    },
    destroy() {
      self.resume();
      self.stop("immediate");
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}

/** A new cluster (initdb, ~1 s), started. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (!PG_BIN) throw new Error("PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  const dir = ownedTempDir("am-pg-");
  run([join(PG_BIN, "initdb"), "-D", dir, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const pg = cluster(dir, await closedPort());
  await pg.start();
  return pg;
}

/** A streaming replica of `primary` (pg_basebackup -R), started, in hot standby. */
export async function startPrivateReplica(primary: PrivatePostgres, settings: string[] = []): Promise<PrivatePostgres> {
  const dir = ownedTempDir("am-pg-replica-");
  run([
    join(PG_BIN, "pg_basebackup"),
    "-h",
    "127.0.0.1",
    "-p",
    String(primary.port),
    "-U",
    "postgres",
    "-D",
    dir,
    "-R",
    "-X",
    "stream",
    "--no-sync",
    "--checkpoint=fast",
  ]);
  const replica = cluster(dir, await closedPort(), settings);
  await replica.start();
  return replica;
}

export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  start(): Promise<void>;
  /** SIGKILL: nothing is saved. */
  kill(): Promise<void>;
  /** SHUTDOWN (saves when persistence is on). */
  shutdown(): Promise<void>;
  cli(...args: string[]): string;
  destroy(): Promise<void>;
}

/** A redis-server of a test's own; `persistent` turns on the append-only file. */
export async function startPrivateRedis(opts: { persistent?: boolean } = {}): Promise<PrivateRedis> {
  const port = await closedPort();
  const dir = mkdtempSync(join("/tmp", "am-redis-"));
  const pidFile = join(dir, "redis.pid");
  const cli = (...args: string[]) => Bun.spawnSync(["redis-cli", "-p", String(port), ...args]).stdout.toString();
  const up = () => cli("ping").includes("PONG");
  const self: PrivateRedis = {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const persistence = opts.persistent ? ["--appendonly", "yes", "--appendfsync", "always", "--save", ""] : ["--appendonly", "no", "--save", ""];
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--daemonize", "yes", "--dir", dir, "--pidfile", pidFile, ...persistence];
      const started = Bun.spawnSync(["redis-server", ...args, "--logfile", join(dir, "redis.log")]);
      if (started.exitCode !== 0) throw new Error(`redis-server failed: ${started.stderr.toString()}`);
      await waitFor(`redis on ${port}`, up, { timeoutMs: 10_000, intervalMs: 20 });
    },
    async kill() {
      if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGKILL");
      await waitFor("redis to be gone", () => !up(), { timeoutMs: 10_000, intervalMs: 20 });
      rmSync(pidFile, { force: true });
    },
    async shutdown() {
      cli("shutdown");
      await waitFor("redis to be gone", () => !up(), { timeoutMs: 10_000, intervalMs: 20 });
      await sleep(50);
    },
    cli,
    async destroy() {
      if (up()) await self.kill().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}

export interface SmallDisk {
  dir: string;
  /** Fills what is left with one file (`filler`), so the next write fails with ENOSPC. */
  fill(): void;
  /** Removes the filler. */
  free(): void;
  destroy(): void;
}

/** A tmpfs of `bytes` (root only): a disk that really fills up, with ENOSPC from the kernel. */
export function mountSmallDisk(bytes: number): SmallDisk {
  const dir = mkdtempSync(join("/tmp", "am-small-disk-"));
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${bytes},mode=0777`, "tmpfs", dir]);
  if (mounted.exitCode !== 0) throw new Error(`mount tmpfs failed (root needed): ${mounted.stderr.toString()}`);
  const filler = join(dir, "filler");
  return {
    dir,
    fill() {
      Bun.spawnSync(["dd", "if=/dev/zero", `of=${filler}`, "bs=64k"], { stderr: "ignore" });
    },
    free() {
      rmSync(filler, { force: true });
    },
    destroy() {
      Bun.spawnSync(["umount", "-l", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
