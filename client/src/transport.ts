import { errorFromResponse, MarketplaceError, retryAfterSeconds } from "./errors.js";

/** A token, or a function returning the current one (called before every request, so it may refresh). */
export type TokenSource = string | undefined | (() => string | undefined | Promise<string | undefined>);

export interface RetryOptions {
  /** Attempts after the first (default 3; 0 turns retries off). */
  retries?: number;
  /** First backoff in ms, doubled each time, with full jitter (default 250). */
  baseDelayMs?: number;
  /** Longest single wait, Retry-After included; a longer Retry-After is not waited for (default 30000). */
  maxDelayMs?: number;
}

/** The `fetch` the client calls (default: the global one); tests and proxies pass their own. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  token?: TokenSource;
  fetch?: FetchLike;
  /** Sent with every request, e.g. a User-Agent. */
  headers?: Record<string, string>;
  retry?: RetryOptions;
}

export interface CallOptions {
  /** Aborts the call, its retries and waits; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The HTTP layer both surfaces share: base URL, bearer token, and retries. A 429 is retried for
 * every method (the server refuses it before any work); a 503 or a network failure only for
 * idempotent methods, since a POST may have been applied before the connection broke.
 */
export class Transport {
  readonly baseUrl: string;
  readonly #fetch: FetchLike;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.baseUrl = options.url.replace(/\/+$/, "");
    this.#options = options;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  async authHeaders(): Promise<Record<string, string>> {
    const source = this.#options.token;
    const token = typeof source === "function" ? await source() : source;
    return { ...this.#options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  }

  /** `fetch` with retries; the answer may be any status. A body that is a stream is never retried. */
  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const method = (init.method ?? "GET").toUpperCase();
    const replayable = !(typeof ReadableStream !== "undefined" && init.body instanceof ReadableStream);
    const { retries = 3, baseDelayMs = 250, maxDelayMs = 30_000 } = this.#options.retry ?? {};
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries || !replayable;
      let response: Response;
      try {
        response = await this.#fetch(input, init);
      } catch (error) {
        if (isAbort(error, init.signal)) throw abortReason(error, init.signal);
        if (last || !IDEMPOTENT.has(method)) {
          throw new MarketplaceError({ status: 0, code: "network_error", detail: describe(error), cause: error });
        }
        await sleep(backoff(attempt, baseDelayMs, maxDelayMs), init.signal);
        continue;
      }
      const retryable = response.status === 429 || (response.status === 503 && IDEMPOTENT.has(method));
      if (!retryable || last) return response;
      const told = retryAfterSeconds(response.headers);
      const wait = told === undefined ? backoff(attempt, baseDelayMs, maxDelayMs) : told * 1000;
      if (wait > maxDelayMs) return response;
      await response.body?.cancel().catch(() => {});
      await sleep(wait, init.signal);
    }
  };

  /** A REST call under /api/v1 answering JSON; a non-2xx answer throws a MarketplaceError. */
  async json<T>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(method, path, init);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** A REST call under /api/v1; a non-2xx answer throws a MarketplaceError, else the response is returned unread. */
  async request(method: string, path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { ...(await this.authHeaders()), ...(init.headers as Record<string, string> | undefined) };
    const response = await this.fetch(`${this.baseUrl}/api/v1${path}`, { ...init, method, headers });
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }
}

function backoff(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.random() * baseMs * 2 ** attempt);
}

function isAbort(error: unknown, signal: AbortSignal | null | undefined): boolean {
  return signal?.aborted === true || (error instanceof Error && error.name === "AbortError");
}

function abortReason(error: unknown, signal: AbortSignal | null | undefined): unknown {
  return signal?.aborted ? (signal.reason ?? error) : error;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** Waits, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
