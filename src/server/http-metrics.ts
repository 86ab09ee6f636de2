/**
 * Request counts and durations per route, in the Prometheus text format at /metrics:
 * `facetag_http_requests_total{method,route,status}` and
 * `facetag_http_request_duration_seconds{method,route}` (a histogram).
 */
export function createHttpMetrics() {
  const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
  const counts = new Map<string, number>();
  const durations = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const label = (v: string) => v.replace(/["\\\n]/g, '_');
  return {
    observe(method: string, route: string, status: number, seconds: number) {
      const c = `method="${label(method)}",route="${label(route)}",status="${status}"`;
      counts.set(c, (counts.get(c) ?? 0) + 1);
      const d = `method="${label(method)}",route="${label(route)}"`;
      const h = durations.get(d) ?? { buckets: buckets.map(() => 0), sum: 0, count: 0 };
      buckets.forEach((b, i) => { if (seconds <= b) h.buckets[i]!++; });
      h.sum += seconds;
      h.count++;
      durations.set(d, h);
    },
    text(): string {
      const lines = ['# HELP facetag_http_requests_total HTTP requests answered.', '# TYPE facetag_http_requests_total counter'];
      for (const [l, n] of counts) lines.push(`facetag_http_requests_total{${l}} ${n}`);
      lines.push('# HELP facetag_http_request_duration_seconds Time to answer an HTTP request.', '# TYPE facetag_http_request_duration_seconds histogram');
      for (const [l, h] of durations) {
        buckets.forEach((b, i) => lines.push(`facetag_http_request_duration_seconds_bucket{${l},le="${b}"} ${h.buckets[i]}`));
        lines.push(`facetag_http_request_duration_seconds_bucket{${l},le="+Inf"} ${h.count}`);
        lines.push(`facetag_http_request_duration_seconds_sum{${l}} ${h.sum}`, `facetag_http_request_duration_seconds_count{${l}} ${h.count}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;
