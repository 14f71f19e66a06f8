import type { Metrics } from "./metrics.ts";
import type { WarningThrottle } from "./throttle.ts";

/** Where a request's dependency failure is told: one warning per outage, and a counter. */
export interface FaultReporting {
  warnings: WarningThrottle;
  metrics: Pick<Metrics, "dependencyErrors">;
}

/**
 * Which failures mean "a dependency is unavailable right now" (answered 503 with Retry-After)
 * rather than "our code is wrong" (500). Errors arrive wrapped (drizzle's query error, our own
 * S3 descriptions), so the whole cause chain is read.
 */

export type FaultyDependency = "database" | "redis" | "storage" | "disk";

export interface DependencyFault {
  dependency: FaultyDependency;
  /** Short and free of secrets: the error's code or name. */
  reason: string;
}

/** SQLSTATEs of a database that is going away, starting up, out of room, or cancelled our query (statement timeout). */
const PG_UNAVAILABLE = /^(08...|57P0[1-4]|57014|53...|25P03|58030)$/;
const NET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ConnectionRefused"]);
const DISK_CODES = new Set(["ENOSPC", "EDQUOT"]);
/** node-postgres and pg-pool say these in words only. */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /not queryable/,
  /^Cannot use a pool after calling end/,
  /^Client was closed and is not queryable/,
];
/** ioredis' refusals while disconnected, and its command timeout. */
const REDIS_MESSAGES = [/^Connection is closed/, /enableOfflineQueue options is false/, /^Command timed out/, /^Reached the max retries per request limit/];

interface Shape {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  syscall?: unknown;
}

function* chain(error: unknown): Generator<Shape> {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current && typeof current === "object"; depth++) {
    yield current as Shape;
    current = (current as Shape).cause;
  }
}

/** The dependency an error says is unavailable, or null when it is some other failure. */
export function dependencyFault(error: unknown): DependencyFault | null {
  let sawS3 = false;
  for (const link of chain(error)) {
    const code = typeof link.code === "string" ? link.code : undefined;
    const name = typeof link.name === "string" ? link.name : "";
    const message = typeof link.message === "string" ? link.message : "";
    if (code && DISK_CODES.has(code)) return { dependency: "disk", reason: code };
    if (code && /^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE.test(code)) return { dependency: code === "53100" ? "disk" : "database", reason: code };
    if (PG_MESSAGES.some((re) => re.test(message))) return { dependency: "database", reason: message.slice(0, 60) };
    if (REDIS_MESSAGES.some((re) => re.test(message))) return { dependency: "redis", reason: message.slice(0, 60) };
    if (link.$metadata !== undefined || /^S3 /.test(message)) sawS3 = true;
    const status = link.$metadata?.httpStatusCode;
    if (status !== undefined && status >= 500) return { dependency: "storage", reason: `${name || "S3"} ${status}` };
    if (name === "TimeoutError" || name === "RequestTimeout" || name === "SlowDown") return { dependency: sawS3 ? "storage" : "database", reason: name };
    if (code && NET_CODES.has(code)) return { dependency: sawS3 ? "storage" : "database", reason: code };
  }
  return null;
}

/** Seconds a client should wait before retrying after this kind of fault. */
export function retryAfterSeconds(fault: DependencyFault): number {
  return fault.dependency === "disk" ? 30 : 5;
}

/** One warning per outage of each dependency, whichever request met it first (with its id). */
export function reportFault(to: FaultReporting, fault: DependencyFault, err: unknown, fields: Record<string, unknown> = {}): void {
  to.metrics.dependencyErrors.inc({ dependency: fault.dependency });
  to.warnings.warn(
    faultWarningKey(fault.dependency),
    { err, dependency: fault.dependency, reason: fault.reason, ...fields },
    `the ${fault.dependency} failed during requests; answering 503`,
  );
}

export function faultWarningKey(dependency: FaultyDependency): string {
  return `dependency-fault:${dependency}`;
}

/** A dependency the server cannot start without, told as the variable that points at it and its address. */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    readonly address: string,
    cause: unknown,
  ) {
    super(`${variable}: cannot use ${address} (${reasonOf(cause)})`, { cause });
    this.name = "StartupError";
  }
}

/** host:port of a URL, never its credentials. */
export function addressOf(url: string | undefined, fallback = "the default address"): string {
  if (!url) return fallback;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol.replace(/:$/, "")}://${parsed.host}${parsed.pathname.length > 1 ? parsed.pathname : ""}`;
  } catch {
    return fallback;
  }
}

function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (const link of chain(error)) {
    const message = typeof link.message === "string" ? link.message : "";
    const code = typeof link.code === "string" ? link.code : "";
    const text = message || code;
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
  }
  const joined = parts.join(": ");
  return joined === "" ? String(error) : joined.slice(0, 300);
}
