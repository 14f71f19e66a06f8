import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { RequestMetrics } from "./request-metrics.ts";

describe("request metrics", () => {
  test("expose a counter and a cumulative histogram per method, route and status", async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry, [0.01, 0.1]);
    metrics.record("GET", "/api/v1/agents", 200, 0.005);
    metrics.record("GET", "/api/v1/agents", 200, 0.05);
    metrics.record("GET", "/api/v1/agents", 200, 3);
    metrics.record("POST", "/api/v1/agents", 422, 0.01);
    const text = await registry.metrics();
    const labels = 'method="GET",route="/api/v1/agents",status="200"';
    expect(text).toContain("# TYPE http_requests_total counter");
    expect(text).toContain(`http_requests_total{${labels}} 3`);
    expect(text).toContain('http_requests_total{method="POST",route="/api/v1/agents",status="422"} 1');
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="0.01"} 1`);
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="0.1"} 2`);
    expect(text).toContain(`http_request_duration_seconds_bucket{${labels},le="+Inf"} 3`);
    expect(text).toContain(`http_request_duration_seconds_sum{${labels}} 3.055`);
    expect(text).toContain(`http_request_duration_seconds_count{${labels}} 3`);
    // A bound is inclusive, as Prometheus defines `le`.
    expect(text).toContain('http_request_duration_seconds_bucket{method="POST",route="/api/v1/agents",status="422",le="0.01"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain("http_requests_total{");
  });
});
