import type { Registry } from "prom-client";

interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: number[];
}

/**
 * `http_requests_total` and `http_request_duration_seconds`, by method, route template and
 * status, as prom-client would expose them. Recorded on every request, so a request costs a map
 * lookup and an increment: prom-client's own Counter and Histogram validate and hash the labels
 * object on each call, which cost more than the rest of a cached answer's bookkeeping.
 */
export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    const counter = { name: "http_requests_total", help: "HTTP requests by method, route template and status", type: "counter" };
    const histogram = {
      name: "http_request_duration_seconds",
      help: "HTTP request duration by method, route template and status",
      type: "histogram",
    };
    registry.registerMetric({
      ...counter,
      get: async () => ({ ...counter, aggregator: "sum", values: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.count })) }),
      reset: () => this.series.clear(),
    } as never);
    registry.registerMetric({ ...histogram, get: async () => ({ ...histogram, aggregator: "sum", values: this.histogramValues() }), reset: () => {} } as never);
  }

  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: new Array(this.bounds.length + 1).fill(0) };
      this.series.set(key, series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > this.bounds[bucket]!) bucket++;
    series.buckets[bucket]! += 1;
  }

  private histogramValues() {
    const name = "http_request_duration_seconds";
    return [...this.series.values()].flatMap((s) => {
      let cumulative = 0;
      const buckets = s.buckets.map((n, i) => {
        cumulative += n;
        return { metricName: `${name}_bucket`, labels: { ...s.labels, le: i < this.bounds.length ? this.bounds[i]! : "+Inf" }, value: cumulative };
      });
      return [...buckets, { metricName: `${name}_sum`, labels: s.labels, value: s.sum }, { metricName: `${name}_count`, labels: s.labels, value: s.count }];
    });
  }
}
