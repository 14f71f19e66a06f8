/**
 * Peak resident memory of the server while a 50 MiB archive is uploaded (POST /api/v1/agents,
 * multipart) and then downloaded, against its idle RSS; beside it, the same multipart body sent
 * to a bare Bun.serve that only reads and drops it (Bun's own cost of receiving a body). Peaks
 * come from the kernel's high-water mark (VmHWM), reset before each phase through
 * /proc/<pid>/clear_refs (needs root), and a 5 ms VmRSS sampler as a cross-check.
 * Usage: bun scripts/bench/upload-memory.ts [MiB]
 * Embedded default (files); set DATABASE_URL, REDIS_URL and S3_* in the environment for S3.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipOfSize } from "../../src/testing/zip.ts";
import { printTable, spawnPinned, waitForHttp } from "./lib.ts";
import { seedAgents } from "./seed-agents.ts";

const mib = Number(process.argv[2] ?? 50);
const root = join(import.meta.dir, "..", "..");
const dataDir = await mkdtemp(join(tmpdir(), "am-bench-mem-"));
const base = "http://127.0.0.1:8197";
const seeded = await seedAgents({ DATA_DIR: dataDir }, 0);

async function archiveFile(name: string, bytes: number) {
  const path = join(dataDir, name);
  await Bun.write(path, zipOfSize(bytes));
  const file = Bun.file(path);
  return { file, sha256: new Bun.CryptoHasher("sha256").update(await file.bytes()).digest("hex") };
}
const archive = await archiveFile("archive.zip", mib * 1024 * 1024);
// Past one 5 MiB part, so the warm-up also takes the multipart path to S3.
const small = await archiveFile("small.zip", 6 * 1024 * 1024);

// The API role alone: the validation worker (which unpacks each new archive) is not what is measured.
const server = spawnPinned(0, [process.execPath, join(root, "src/main.ts"), "serve", "--port", "8197", "--data-dir", dataDir, "--role", "api"], {
  RATE_LIMIT_ENABLED: "false",
  MAX_UPLOAD_BYTES: String(Math.max(mib * 1024 * 1024, 50 * 1024 * 1024)),
});
const sink = spawnPinned(0, [process.execPath, join(root, "scripts/bench/bare-body-sink.ts"), "8198"]);
const status = (pid: number, field: "VmRSS" | "VmHWM") =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;

/** Runs `phase` while sampling the RSS of `pid`; returns the kernel's peak and the sampled peak, in MiB. */
async function measure(pid: number, phase: () => Promise<void>): Promise<{ peak: number; sampled: number; seconds: number }> {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
  let sampled = status(pid, "VmRSS");
  const timer = setInterval(() => (sampled = Math.max(sampled, status(pid, "VmRSS"))), 5);
  const started = performance.now();
  try {
    await phase();
  } finally {
    clearInterval(timer);
  }
  return { peak: status(pid, "VmHWM"), sampled, seconds: (performance.now() - started) / 1000 };
}

function multipart(name: string, archive: Bun.BunFile): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `bench-${crypto.randomUUID()}`;
  const field = (key: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`;
  const head =
    field("name", name) +
    field("description", "Memory benchmark archive") +
    field("category", seeded.category) +
    field("version", "1.0.0") +
    `--${boundary}\r\nContent-Disposition: form-data; name="code"; filename="agent.zip"\r\nContent-Type: application/zip\r\n\r\n`;
  // The client streams the archive from disk too (a Blob that wraps a file loses its bytes in Bun).
  const parts = [new Blob([head]).stream(), archive.stream(), new Blob([`\r\n--${boundary}--\r\n`]).stream()];
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const reader = parts[0]?.getReader();
        if (!reader) return controller.close();
        const { done, value } = await reader.read();
        reader.releaseLock();
        if (!done) return controller.enqueue(value);
        parts.shift();
      }
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function upload(name: string, file: Bun.BunFile, url = `${base}/api/v1/agents`): Promise<string> {
  const { body, contentType } = multipart(name, file);
  const res = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${seeded.token}`, "content-type": contentType }, body });
  if (!res.ok) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { slug?: string }).slug ?? "";
}

async function download(slug: string, expected: { file: Bun.BunFile; sha256: string }): Promise<void> {
  const res = await fetch(`${base}/api/v1/agents/${slug}/download`);
  if (res.status !== 200) throw new Error(`download answered ${res.status}`);
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) hasher.update(chunk);
  if (hasher.digest("hex") !== expected.sha256) throw new Error("downloaded bytes differ from the upload");
  if (res.headers.get("content-length") !== String(expected.file.size)) throw new Error(`Content-Length ${res.headers.get("content-length")}`);
}

try {
  await waitForHttp(`${base}/health`);
  await waitForHttp("http://127.0.0.1:8198/");
  // Warm the code paths with a smaller archive, so idle is the steady state of a server that has served both routes.
  await download(await upload("Warm Up Agent", small.file), small);
  await upload("sink", small.file, "http://127.0.0.1:8198/");
  await Bun.sleep(1000);
  const idle = status(server.pid, "VmRSS");
  const sinkIdle = status(sink.pid, "VmRSS");
  let slug = "";
  const up = await measure(server.pid, async () => {
    slug = await upload("Memory Bench Agent", archive.file);
  });
  const down = await measure(server.pid, () => download(slug, archive));
  // With S3 the first download fills the local copy it is served from; the second only serves it.
  const again = await measure(server.pid, () => download(slug, archive));
  const floor = await measure(sink.pid, () => upload("sink", archive.file, "http://127.0.0.1:8198/").then(() => undefined));
  const row = (phase: string, m: { peak: number; sampled: number; seconds: number }, idleOf = idle) => ({
    phase,
    "peak RSS MiB": m.peak,
    "above idle MiB": m.peak - idleOf,
    "sampled peak MiB": m.sampled,
    seconds: m.seconds,
  });
  console.log(`archive ${mib} MiB (${archive.file.size} bytes), storage: ${process.env.S3_ENDPOINT ? "S3" : "filesystem"}, idle RSS ${idle.toFixed(1)} MiB`);
  printTable([
    row(`upload ${mib} MiB`, up),
    row(`download ${mib} MiB`, down),
    row("download again", again),
    row(`bare Bun.serve: receive ${mib} MiB`, floor, sinkIdle),
  ]);
} finally {
  server.kill("SIGTERM");
  sink.kill("SIGTERM");
  await Promise.all([server.exited, sink.exited]);
  await rm(dataDir, { recursive: true, force: true });
}
