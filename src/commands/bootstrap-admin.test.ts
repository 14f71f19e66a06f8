import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envWith } from "../env.ts";
import { bearer } from "../testing/auth.ts";
import { makeUser } from "../testing/factories.ts";
import { useTestApp } from "../testing/harness.ts";
import { runBootstrapAdmin } from "./bootstrap-admin.ts";

const root = join(import.meta.dir, "..", "..");
const script = join(root, "scripts/bootstrap-admin.ts");
const main = join(root, "src/main.ts");

function run(cmd: string[], env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, ...cmd], { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", ...env }, stdout: "pipe", stderr: "pipe" });
  return Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([code, stdout, stderr]) => ({
    code,
    stdout,
    stderr,
  }));
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port ?? 0;
  await server.stop(true);
  return port;
}

describe("bootstrap-admin against PostgreSQL (in-process)", () => {
  const t = useTestApp("services");

  test("promotes an existing user and prints a working admin token; an unknown login without --create fails", async () => {
    const user = await makeUser(t.rt.db.db, { username: `boss-${Date.now()}` });
    const env = envWith({ DATABASE_URL: t.rt.env.DATABASE_URL, DATA_DIR: t.rt.env.DATA_DIR, LOG_LEVEL: "silent" });
    const printed: string[] = [];
    expect(await runBootstrapAdmin({ env, login: user.username.toUpperCase(), create: false, print: (line) => printed.push(line) })).toBe(0);
    expect(printed).toEqual([expect.stringMatching(/^amp_/)]);
    const me = await t.fetch("/api/v1/auth/me", { headers: bearer(printed[0] ?? "") });
    expect(await me.json()).toMatchObject({ id: user.id, role: "admin" });
    expect((await t.fetch("/api/v1/admin/users", { headers: bearer(printed[0] ?? "") })).status).toBe(200);

    expect(await runBootstrapAdmin({ env, login: "nobody-by-this-name", create: false, print: (line) => printed.push(line) })).toBe(1);
    expect(printed.length).toBe(1);
  });
});

describe("bootstrap-admin with the embedded database (processes)", () => {
  test("--create makes the admin and prints only the token; refused while a server holds the data dir", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "am-bootstrap-"));
    const env = { DATA_DIR: dataDir };
    try {
      const created = await run([script, "first-admin", "--create"], env);
      expect(created.stderr).not.toContain("bootstrap-admin:");
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/^amp_[a-z2-7]+\n$/);
      expect(created.stderr).toContain("admin token issued");

      const missing = await run([main, "bootstrap-admin", "someone-else"], env);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toBe("");
      expect(missing.stderr).toContain("User 'someone-else' not found; pass --create");

      const port = await freePort();
      const server = Bun.spawn([process.execPath, main, "serve", "--port", String(port)], {
        env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env },
        stdout: "ignore",
        stderr: "ignore",
      });
      try {
        let me: Response | undefined;
        for (let i = 0; i < 300 && !me; i++) {
          me = await fetch(`http://127.0.0.1:${port}/api/v1/auth/me`, { headers: bearer(created.stdout.trim()) }).catch(() => undefined);
          if (!me) await Bun.sleep(50);
        }
        expect(await me?.json()).toMatchObject({ username: "first-admin", role: "admin", github_id: null });

        const refused = await run([main, "bootstrap-admin", "first-admin"], env);
        expect(refused.code).toBe(1);
        expect(refused.stdout).toBe("");
        expect(refused.stderr).toContain(`in use by process ${server.pid}`);
      } finally {
        server.kill("SIGTERM");
        await server.exited;
      }
      const again = await run([main, "bootstrap-admin", "first-admin"], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^amp_[a-z2-7]+\n$/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
