import type { Runtime } from "../runtime.ts";

type DependencyState = "ok" | "down" | "embedded";

async function probe(embedded: boolean, ping: () => Promise<void>): Promise<DependencyState> {
  try {
    await withTimeout(ping(), 2_000);
    return embedded ? "embedded" : "ok";
  } catch {
    return "down";
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
}

/**
 * Database or storage down is unhealthy (503); Redis down only degrades (the API keeps serving),
 * and so does a sandbox that is missing or limited on a process that runs validations.
 */
export async function checkHealth(rt: Runtime, version: string) {
  const [database, redis, storage, sandbox] = await Promise.all([
    probe(rt.db.kind === "embedded", rt.db.ping),
    probe(rt.redis === null, () => rt.cache.ping()),
    probe(rt.storage.kind === "filesystem", () => rt.storage.ping()),
    rt.sandbox().catch((err: unknown) => ({ state: "unavailable" as const, reason: err instanceof Error ? err.message : String(err) })),
  ]);
  const queue = rt.redis === null ? "embedded" : redis;
  const unhealthy = database === "down" || storage === "down";
  const validates = rt.env.ROLE !== "api";
  const degraded = redis === "down" || (validates && sandbox.state !== "ok");
  const status = unhealthy ? "unhealthy" : degraded ? "degraded" : "healthy";
  return {
    httpStatus: unhealthy ? 503 : 200,
    body: {
      status,
      version,
      environment: rt.env.NODE_ENV,
      database,
      redis,
      storage,
      queue,
      // The contract knows "ok" and "unavailable": without per-run cgroups the sandbox still runs
      // (limits per process only), which an operator must hear about too; the detail says which.
      sandbox: sandbox.state === "ok" ? "ok" : "unavailable",
      ...(sandbox.reason ? { sandbox_detail: sandbox.reason } : {}),
    },
  };
}
