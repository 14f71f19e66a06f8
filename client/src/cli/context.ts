import { isMarketplaceError } from "../errors.js";
import { createMarketplaceClient, type NodeMarketplaceClient } from "../node/index.js";
import { credentialsPath, loadCredential, type StoredCredential, saveCredential } from "./credentials.js";

const DEFAULT_URL = "http://127.0.0.1:8000";

/** What every command gets: where the server is, how to print, and a client that finds its token. */
export interface CliContext {
  program: string;
  version: string;
  env: NodeJS.ProcessEnv;
  url: string;
  json: boolean;
  /** --token or AGENT_MARKETPLACE_TOKEN; wins over the stored credential. */
  tokenOverride: string | undefined;
  credentialsPath: string;
  /** stderr is a terminal: progress and prompts may be drawn. */
  interactive: boolean;
  out(line: string): void;
  err(line: string): void;
  /** Prints `data` as JSON with --json, else the human text. */
  result(human: string | string[], data: unknown): void;
  client(): NodeMarketplaceClient;
  /** The token the client would send (override, else stored and refreshed when expired). */
  token(): Promise<string | undefined>;
}

export interface IoOptions {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  interactive: boolean;
}

export function createContext(io: IoOptions, program: string, version: string, values: Record<string, unknown>): CliContext {
  const env = io.env;
  const url = String(values.url ?? env.AGENT_MARKETPLACE_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  const json = values.json === true;
  const tokenOverride = (values.token as string | undefined) ?? (env.AGENT_MARKETPLACE_TOKEN || undefined);
  const path = credentialsPath(env);
  let cached: NodeMarketplaceClient | undefined;
  const ctx: CliContext = {
    program,
    version,
    env,
    url,
    json,
    tokenOverride,
    credentialsPath: path,
    interactive: io.interactive,
    out: (line) => io.stdout(`${line}\n`),
    err: (line) => io.stderr(`${line}\n`),
    result(human, data) {
      if (json) io.stdout(`${JSON.stringify(data, null, 2)}\n`);
      else for (const line of Array.isArray(human) ? human : [human]) io.stdout(`${line}\n`);
    },
    token: () => (tokenOverride ? Promise.resolve(tokenOverride) : storedToken(path, url)),
    client() {
      cached ??= createMarketplaceClient({ url, token: () => ctx.token(), headers: { "user-agent": `${program}/${version}` } });
      return cached;
    },
  };
  return ctx;
}

/** A stored session's access token, refreshed (and saved) when it expires within a minute. */
async function storedToken(path: string, url: string): Promise<string | undefined> {
  const stored = await loadCredential(path, url);
  if (!stored) return undefined;
  if (!stored.refresh_token || !stored.expires_at || Date.parse(stored.expires_at) - Date.now() > 60_000) return stored.access_token;
  const response = await fetch(`${url}/api/v1/auth/refresh`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: stored.refresh_token }),
  }).catch(() => null);
  // Offline or refused: send the old token and let the server's 401 say what to do.
  if (!response?.ok) return stored.access_token;
  const tokens = (await response.json()) as { access_token: string; refresh_token: string; expires_in: number };
  const refreshed: StoredCredential = { ...stored, ...sessionFields(tokens) };
  await saveCredential(path, url, refreshed);
  return refreshed.access_token;
}

export function sessionFields(tokens: { access_token: string; refresh_token: string; expires_in: number }) {
  return { access_token: tokens.access_token, refresh_token: tokens.refresh_token, expires_at: new Date(Date.now() + tokens.expires_in * 1000).toISOString() };
}

/** The server's `detail` (and each field error of a 422) as lines, never a stack. */
export function describeError(error: unknown): { lines: string[]; data: Record<string, unknown> } {
  if (isMarketplaceError(error)) {
    // A 422's message joins its field errors; they are listed one per line below instead.
    const headline =
      error.fieldErrors.length > 0 ? (error.code === "invalid_package" ? "the folder cannot be published" : "the input was refused") : error.message;
    const lines = [`error: ${headline}${error.status ? ` (HTTP ${error.status} ${error.code})` : ` (${error.code})`}`];
    for (const field of error.fieldErrors) lines.push(`  ${field.loc.join(".")}: ${field.msg}`);
    if (typeof error.detail === "object" && !Array.isArray(error.detail) && typeof error.detail.reason === "string")
      lines.push(`  reason: ${error.detail.reason}`);
    if (error.status === 401) lines.push("  hint: log in with 'agent-marketplace login' or pass --token");
    if (error.requestId) lines.push(`  request id: ${error.requestId}`);
    return { lines, data: { error: error.code, status: error.status, detail: error.detail, ...(error.requestId ? { request_id: error.requestId } : {}) } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { lines: [`error: ${message}`], data: { error: "cli_error", detail: message } };
}
