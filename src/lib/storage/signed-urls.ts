import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Env } from "../../env.ts";
import { assertValidKey } from "./keys.ts";

/** App-signed, expiring URLs of the filesystem store: the embedded stand-in for presigned S3 URLs. */

/** HMAC over key, expiry and filename; newlines keep the fields from running together. */
export function fileUrlSignature(secret: string, key: string, expires: number, filename?: string | null): string {
  return createHmac("sha256", secret)
    .update(`${key}\n${expires}\n${filename ?? ""}`)
    .digest("hex");
}

/**
 * Checks the query of a URL made by FilesystemStore.signedUrl. `key` is the decoded path
 * after `/files/`; the other arguments are the raw query values (null/undefined if absent).
 */
export function verifySignedFileUrl(
  secret: string,
  key: string,
  expires: string | number | null | undefined,
  filename: string | null | undefined,
  sig: string | null | undefined,
  nowMs: number = Date.now(),
): boolean {
  if (typeof sig !== "string" || !/^[0-9a-f]{64}$/.test(sig)) return false;
  const expiresAt = typeof expires === "number" ? expires : Number(expires ?? Number.NaN);
  if (!Number.isSafeInteger(expiresAt) || expiresAt * 1000 <= nowMs) return false;
  try {
    assertValidKey(key);
  } catch {
    return false;
  }
  const expected = Buffer.from(fileUrlSignature(secret, key, expiresAt, filename || undefined), "hex");
  return timingSafeEqual(expected, Buffer.from(sig, "hex"));
}

/**
 * SIGNING_SECRET, or a random one kept in DATA_DIR/signing-secret so signed URLs survive
 * restarts and every process sharing DATA_DIR agrees on it.
 */
export async function resolveSigningSecret(env: Pick<Env, "SIGNING_SECRET" | "DATA_DIR">): Promise<string> {
  if (env.SIGNING_SECRET) return env.SIGNING_SECRET;
  const path = resolve(env.DATA_DIR, "signing-secret");
  const existing = await readSecret(path);
  if (existing) return existing;
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString("hex")}~tmp`;
  await writeFile(temp, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  try {
    // link() fails if the file exists, so of two processes racing here exactly one wins
    // and both end up reading the winner's secret (rename would let the loser overwrite it).
    await link(temp, path);
  } catch (error) {
    if (!isCode(error, "EEXIST")) throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  const secret = await readSecret(path);
  if (!secret) throw new Error(`Signing secret at ${path} is empty or shorter than 32 characters`);
  return secret;
}

/** PUBLIC_URL, else the address the server listens on (wildcard hosts become loopback). */
export function publicBaseUrl(env: Pick<Env, "PUBLIC_URL" | "HOST" | "PORT">): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, "");
  const host = env.HOST === "0.0.0.0" ? "127.0.0.1" : env.HOST === "::" ? "[::1]" : env.HOST;
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${bracketed}:${env.PORT}`;
}

export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

async function readSecret(path: string): Promise<string | undefined> {
  try {
    const value = (await readFile(path, "utf8")).trim();
    return value.length >= 32 ? value : undefined;
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
