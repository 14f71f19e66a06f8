import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One registry per runtime, so tests can build several apps without clashing metric names. */
export function createMetrics(sources: { countPendingValidations?: () => Promise<number> } = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, route template and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration by method, route template and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    procedureDuration: new Histogram({
      name: "trpc_procedure_duration_seconds",
      help: "tRPC procedure duration by procedure path, type and outcome",
      labelNames: ["procedure", "type", "outcome"] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    mcpCallDuration: new Histogram({
      name: "mcp_call_duration_seconds",
      help: "MCP tool calls and resource reads (/mcp) by kind, name and outcome",
      labelNames: ["kind", "name", "outcome"] as const,
      buckets: durationBuckets,
      registers: [registry],
    }),
    pendingValidations: new Gauge({
      name: "pending_validations",
      help: "Agent versions pending or running validation (read from the database at scrape time)",
      registers: [registry],
      async collect() {
        if (sources.countPendingValidations) this.set(await sources.countPendingValidations().catch(() => Number.NaN));
      },
    }),
    validationDuration: new Histogram({
      name: "validation_duration_seconds",
      help: "Duration of each validation check",
      labelNames: ["check"] as const,
      buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
