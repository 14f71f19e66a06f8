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

/** Database or storage down is unhealthy (503); Redis down only degrades (the API keeps serving). */
export async function checkHealth(rt: Runtime, version: string) {
  const [database, redis, storage] = await Promise.all([
    probe(rt.db.kind === "embedded", rt.db.ping),
    probe(rt.redis === null, () => rt.cache.ping()),
    probe(rt.storage.kind === "filesystem", () => rt.storage.ping()),
  ]);
  const queue = rt.redis === null ? "embedded" : redis;
  const unhealthy = database === "down" || storage === "down";
  const status = unhealthy ? "unhealthy" : redis === "down" ? "degraded" : "healthy";
  return {
    httpStatus: unhealthy ? 503 : 200,
    body: { status, version, environment: rt.env.NODE_ENV, database, redis, storage, queue },
  };
}
