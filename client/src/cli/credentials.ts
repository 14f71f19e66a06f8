import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * One credentials file per user, keyed by server URL:
 * `$XDG_CONFIG_HOME/agent-marketplace/credentials.json` (else `~/.config/...`), mode 0600 in a
 * 0700 folder, replaced atomically. Tokens are read from it and never printed.
 */

export interface StoredCredential {
  /** `session`: a login (device flow); `api_token`: `login --token`; `oidc`: a trusted-publishing token. */
  kind: "session" | "api_token" | "oidc";
  access_token: string;
  refresh_token?: string;
  /** ISO time the access token expires, when known. */
  expires_at?: string;
  username?: string;
  /** Slugs a trusted-publishing token may publish to. */
  agents?: string[];
}

interface CredentialsFile {
  servers: Record<string, StoredCredential>;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "agent-marketplace", "credentials.json");
}

/** The URL as a key: no trailing slash, lower-case scheme and host. */
function serverKey(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return url.replace(/\/+$/, "");
  }
}

async function readAll(path: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { servers: {} };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return { servers: typeof parsed.servers === "object" && parsed.servers !== null ? parsed.servers : {} };
  } catch {
    throw new Error(`${path} is not valid JSON; remove it and log in again`);
  }
}

async function writeAll(path: string, file: CredentialsFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode is only used when it creates the file, and the umask applies: set it outright.
  await chmod(temp, 0o600);
  await rename(temp, path);
}

export async function loadCredential(path: string, url: string): Promise<StoredCredential | undefined> {
  return (await readAll(path)).servers[serverKey(url)];
}

export async function saveCredential(path: string, url: string, credential: StoredCredential): Promise<void> {
  const file = await readAll(path);
  file.servers[serverKey(url)] = credential;
  await writeAll(path, file);
}

/** Forgets the server's credential; true when there was one. */
export async function removeCredential(path: string, url: string): Promise<boolean> {
  const file = await readAll(path);
  const key = serverKey(url);
  if (!(key in file.servers)) return false;
  delete file.servers[key];
  if (Object.keys(file.servers).length === 0) await rm(path, { force: true });
  else await writeAll(path, file);
  return true;
}
