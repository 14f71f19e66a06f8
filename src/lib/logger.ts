import { writeSync } from "node:fs";
import pino, { type Logger } from "pino";
import type { Env } from "../env.ts";

export type { Logger };

const CENSOR = "[redacted]";
/** Field names whose values are credentials, at the top level or one object down (e.g. `user.token`). */
const SECRET_KEYS = new Set(["token", "access_token", "refresh_token", "authorization"]);

/**
 * JSON lines on stdout (or `destination`, e.g. stderr for commands whose stdout is their answer).
 * Stdout gets the lines of one event-loop turn in one write (see LineBatch).
 */
export function createLogger(env: Pick<Env, "LOG_LEVEL" | "NODE_ENV">, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: env.LOG_LEVEL,
    base: { service: "agent-marketplace" },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Instead of pino's `redact`, whose path matching cost more than the rest of a request's log line.
    formatters: { level: (label) => ({ level: label }), log: withoutSecrets },
  };
  return pino(options, destination ?? stdoutBatch());
}

/** Plain objects are looked into this deep (`req.headers.authorization` is 3). */
const DEPTH = 3;

/** The log object with credentials censored; the same object when it holds none (the common case). */
function withoutSecrets(object: Record<string, unknown>, depth = DEPTH): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in object) {
    const value = object[key];
    if (SECRET_KEYS.has(key)) {
      copy ??= { ...object };
      copy[key] = CENSOR;
    } else if (depth > 1 && value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      const inner = withoutSecrets(value as Record<string, unknown>, depth - 1);
      if (inner !== value) {
        copy ??= { ...object };
        copy[key] = inner;
      }
    }
  }
  return copy ?? object;
}

let stdoutLines: LineBatch | undefined;
function stdoutBatch(): LineBatch {
  if (!stdoutLines) {
    const batch = new LineBatch(1);
    process.on("exit", () => batch.flush());
    stdoutLines = batch;
  }
  return stdoutLines;
}

/**
 * A pino destination that collects the lines logged during one event-loop turn and writes them
 * with one synchronous write at its end: a busy server makes one write(2) per turn, not one per
 * request (pino's own sync destination), and the order of lines is kept. pino's async
 * destination (sonic-boom) spent more time measuring its buffer than writing it.
 */
class LineBatch {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.lines.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const bytes = Buffer.from(this.lines.join(""));
    this.lines = [];
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset);
      } catch (err) {
        // A non-blocking pipe that is full: wait for the reader, as pino's sync destination does.
        if ((err as NodeJS.ErrnoException).code !== "EAGAIN") return;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  }
}
