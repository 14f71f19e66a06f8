import { Cron } from "croner";
import { z } from "zod";

/** Every setting of the server. The only module that reads process.env. */

/**
 * The embedded database's default shared_buffers. PGlite allocates and clears them in WebAssembly
 * at every start: PostgreSQL's 128 MB made opening the database take 730–1,030 ms, 32 MB 330–420
 * (scripts/bench/compare.ts --startup); a 10,000-agent catalog fits in it, and pages outside it
 * are read from the operating system's cache.
 */
export const EMBEDDED_SHARED_BUFFERS_MB = 32;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const commaList = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== ""),
);

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .default("")
  .transform((value) => value === "true" || value === "1" || value === "yes");

/**
 * SCHEDULE_OVERRIDES: `name=cron;name=cron` replaces the pattern of named schedules, e.g. to run
 * one every few seconds in a test or a staging cluster, or to move one off a busy minute. The
 * syntax is croner's (a sixth leading field is seconds). Returns the map, or the problems.
 */
function parseScheduleOverrides(value: string): { overrides: Record<string, string> } | { problems: string[] } {
  const overrides: Record<string, string> = {};
  const problems: string[] = [];
  for (const item of value.split(";").map((part) => part.trim())) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = item.slice(0, eq).trim();
    const pattern = item.slice(eq + 1).trim();
    if (eq <= 0 || pattern === "") {
      problems.push(`"${item}" is not name=cron`);
      continue;
    }
    try {
      new Cron(pattern, { paused: true, timezone: "UTC" }).stop();
      overrides[name] = pattern;
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems.length > 0 ? { problems } : { overrides };
}

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Attempts of every S3 request (the SDK's maxAttempts and the part uploader's), exported for the store. */
export const S3_ATTEMPTS = 3;

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    // An empty PORT= is a mistake, not "any free port" (what a coerced "" would mean).
    PORT: z
      .string()
      .trim()
      .regex(/^\d{1,5}$/, "must be a port number from 0 to 65535")
      .default("8000")
      .transform(Number)
      .pipe(z.number().max(65535, "must be a port number from 0 to 65535")),
    /** Serve /metrics on this port only (not on PORT), so it need not be public. */
    METRICS_PORT: optionalString.pipe(
      z
        .string()
        .regex(/^\d{1,5}$/, "must be a port number")
        .transform(Number)
        .pipe(z.number().int().min(1).max(65535))
        .optional(),
    ),
    /** Base URL the server is reached at; used for app-signed download URLs and OAuth redirects. */
    PUBLIC_URL: optionalString.pipe(z.url().optional()),
    ROLE: z.enum(["all", "api", "worker"]).default("all"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DATA_DIR: z.string().trim().min(1).default("./data"),
    /** The embedded database's buffer cache (PostgreSQL's shared_buffers), from the next start on. */
    EMBEDDED_SHARED_BUFFERS_MB: z.coerce.number().int().min(1).max(65_536).default(EMBEDDED_SHARED_BUFFERS_MB),

    DATABASE_URL: optionalString.pipe(z.url().optional()),
    /** A streaming replica; anonymous catalog reads go there once it has caught up (docs/deployment.md). */
    DATABASE_READ_URL: optionalString.pipe(z.url().optional()),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /** Longest statement the server runs for us (0: no limit); past it the request answers 503. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
    /** Longest wait for a new connection or a free pooled one before answering 503. */
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    REDIS_URL: optionalString.pipe(z.url().optional()),
    /** Prefix for every Redis key, so several deployments (or test runs) can share one Redis. */
    REDIS_PREFIX: z.string().default("am:"),
    /** Longest wait for any non-blocking Redis command (the cache falls back to the database past it). */
    REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(1_500),

    S3_ENDPOINT: optionalString.pipe(z.url().optional()),
    S3_BUCKET: z.string().trim().min(3).default("agent-marketplace"),
    S3_ACCESS_KEY: optionalString,
    S3_SECRET_KEY: optionalString,
    S3_REGION: z.string().trim().min(1).default("us-east-1"),
    S3_FORCE_PATH_STYLE: booleanFlag,
    S3_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    /**
     * Longest S3 request without progress before it fails (and the request answers 503). The S3
     * client tries each request 3 times, so an S3 that accepts connections and never answers holds
     * a request 3 × (connect + this) before the 503: 105 s with the defaults.
     */
    S3_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),

    /** Secret for app-signed URLs of the filesystem store; generated into DATA_DIR when unset. */
    SIGNING_SECRET: optionalString.pipe(z.string().min(32).optional()),

    CORS_ORIGINS: z.string().default("http://localhost:3000").pipe(commaList),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(50 * 1024 * 1024),
    DOWNLOAD_MODE: z.enum(["stream", "redirect"]).default("stream"),
    DOWNLOAD_URL_TTL_SECONDS: seconds(300),
    /** Local copies of S3 archives served as files (Bun keeps Content-Length only for file bodies). */
    DOWNLOAD_CACHE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(1024 * 1024 * 1024),
    /** Let webhooks reach loopback and private addresses (tests, single-host setups). */
    WEBHOOK_ALLOW_PRIVATE: booleanFlag,
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** `name=cron;…`: other patterns for named schedules (tests, operators); see parseScheduleOverrides. */
    SCHEDULE_OVERRIDES: z
      .string()
      .default("")
      .transform((value, ctx) => {
        const parsed = parseScheduleOverrides(value);
        if ("overrides" in parsed) return parsed.overrides;
        for (const problem of parsed.problems) ctx.addIssue({ code: "custom", message: problem });
        return z.NEVER;
      }),
    /**
     * Seconds a connection may stay silent before the server closes it (Bun's default is 10).
     * Must outlast the longest legitimate wait on a dependency, checked below.
     */
    HTTP_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(255).default(120),

    GITHUB_CLIENT_ID: optionalString,
    GITHUB_CLIENT_SECRET: optionalString,
    GITHUB_URL: z.url().default("https://github.com"),
    GITHUB_API_URL: z.url().default("https://api.github.com"),
    GITHUB_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    OAUTH_REDIRECT_URI: optionalString.pipe(z.url().optional()),
    OAUTH_ALLOWED_REDIRECT_URIS: z.string().default("").pipe(commaList),
    FRONTEND_URL: optionalString.pipe(z.url().optional()),
    ADMIN_GITHUB_LOGINS: z.string().default("").pipe(commaList),
    /** Trusted publishing: the issuer of GitHub Actions ID tokens; its discovery document names the keys. */
    OIDC_GITHUB_ISSUER: z.url().default("https://token.actions.githubusercontent.com"),
    /** The `aud` an ID token must carry; unset means PUBLIC_URL (else http://HOST:PORT). */
    OIDC_AUDIENCE: optionalString,
    OIDC_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    /** Least time between two fetches of the issuer's keys caused by tokens naming an unknown key id. */
    OIDC_JWKS_REFETCH_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
    ACCESS_TOKEN_TTL_SECONDS: seconds(30 * 60),
    REFRESH_TOKEN_TTL_SECONDS: seconds(7 * 24 * 60 * 60),

    RATE_LIMIT_ENABLED: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    RATE_LIMIT_USER_PER_HOUR: z.coerce.number().int().positive().default(1000),
    RATE_LIMIT_ANON_PER_HOUR: z.coerce.number().int().positive().default(100),
    RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().positive().default(10),
    /** Trust X-Forwarded-For for the client IP (only behind a proxy you control). */
    TRUST_PROXY: booleanFlag,
  })
  .superRefine((env, ctx) => {
    // A connection must not be cut while its request legitimately waits on a dependency.
    const s3WaitMs = S3_ATTEMPTS * (env.S3_CONNECT_TIMEOUT_MS + env.S3_REQUEST_TIMEOUT_MS);
    const longestWaitMs = Math.max(env.DATABASE_STATEMENT_TIMEOUT_MS + 2_000 + env.DATABASE_CONNECT_TIMEOUT_MS, s3WaitMs);
    if (env.HTTP_IDLE_TIMEOUT_SECONDS * 1000 <= longestWaitMs)
      ctx.addIssue({
        code: "custom",
        path: ["HTTP_IDLE_TIMEOUT_SECONDS"],
        message: `must be longer than the longest wait on a dependency (${Math.ceil(longestWaitMs / 1000)} s from the DATABASE_* and S3_* timeouts)`,
      });
    if (env.METRICS_PORT !== undefined && env.METRICS_PORT === env.PORT)
      ctx.addIssue({ code: "custom", path: ["METRICS_PORT"], message: "must differ from PORT" });
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parse a settings record; throws EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    return `${name}: ${issue.message} (got ${JSON.stringify(source[String(issue.path[0])] ?? null)})`;
  });
  throw new EnvError(problems);
}

/** The process environment with command-line overrides applied on top. */
export function readEnv(overrides: Record<string, string | undefined> = {}): Env {
  const source = { ...process.env };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) source[key] = value;
  return parseEnv(source);
}

/** Settings for tests and tools that build a runtime by hand. */
export function envWith(overrides: Record<string, string | undefined>): Env {
  return parseEnv(overrides);
}

/** Where the test suite finds its real services (started by scripts/services/up.sh). */
const testEnvSchema = z.object({
  TEST_DATABASE_URL: z.url().default("postgres://postgres@127.0.0.1:5432/postgres"),
  TEST_REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  TEST_S3_ENDPOINT: optionalString.pipe(z.url().optional()),
  TEST_S3_ACCESS_KEY: optionalString,
  TEST_S3_SECRET_KEY: optionalString,
  TEST_S3_REGION: z.string().default("us-east-1"),
  /** Names this run's throwaway databases, so scripts/test.ts can drop them afterwards. */
  TEST_RUN_ID: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .default(`r${process.pid}`),
  /** "true" makes tests that need S3 fail instead of reporting that S3 is missing. */
  TEST_REQUIRE_S3: booleanFlag,
});

export type TestEnv = z.infer<typeof testEnvSchema>;

export function readTestEnv(): TestEnv {
  const result = testEnvSchema.safeParse(process.env);
  if (!result.success) throw new EnvError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  return result.data;
}
