import type { Runtime } from "../runtime.ts";

/** The Prometheus text of this process's metrics. */
export async function metricsResponse(rt: Runtime): Promise<Response> {
  return new Response(await rt.metrics.registry.metrics(), { headers: { "content-type": rt.metrics.registry.contentType } });
}

/** /metrics alone on METRICS_PORT, so the scrape endpoint need not be reachable from the public port. */
export function serveMetrics(rt: Runtime, hostname: string, port: number) {
  return Bun.serve({
    hostname,
    port,
    fetch: (request) =>
      new URL(request.url).pathname === "/metrics" ? metricsResponse(rt) : Response.json({ error: "not_found", detail: "Not Found" }, { status: 404 }),
  });
}
