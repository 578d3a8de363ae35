/**
 * Every PromQL query the dashboards run, in one place, so the test that runs them against a real
 * Prometheus scraping the real service covers exactly what the dashboards show. `$stack` and
 * `$__rate_interval` are Grafana variables.
 */

const SERVICE = 'job="comments-api", stack="$stack"';
const requests = (extra = "") =>
  `http_request_duration_seconds_count{${SERVICE}${extra === "" ? "" : `, ${extra}`}}`;

/** Availability objective: 99.9% of requests not 5xx, over 30 days. */
export const AVAILABILITY_OBJECTIVE = 0.999;
/** Latency objective: 99% of requests within 300 ms. */
export const LATENCY_OBJECTIVE = 0.99;

/** Every PromQL query the dashboard runs, by panel, in one place (the layout is in comments-api.ts). */
export const queries = {
  requestsByRoute: `sum by (route) (rate(${requests()}[$__rate_interval]))`,
  responsesByStatus: `sum by (status_code) (rate(${requests()}[$__rate_interval]))`,
  // `or ... * 0` keeps the line at 0 instead of "no data" while nothing fails.
  errorRatio: `(sum(rate(${requests('status_code=~"5.."')}[$__rate_interval])) or sum(rate(${requests()}[$__rate_interval])) * 0) / sum(rate(${requests()}[$__rate_interval]))`,
  latencyQuantile: (q: number) =>
    `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${SERVICE}}[$__rate_interval])))`,
  latencyP99ByRoute: `histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{${SERVICE}}[$__rate_interval])))`,

  // SLO status over the 30-day objective window.
  availability30d: `1 - ((sum(increase(${requests('status_code=~"5.."')}[30d])) or sum(increase(${requests()}[30d])) * 0) / sum(increase(${requests()}[30d])))`,
  availabilityBudgetRemaining: `1 - ((sum(increase(${requests('status_code=~"5.."')}[30d])) or sum(increase(${requests()}[30d])) * 0) / sum(increase(${requests()}[30d]))) / ${(1 - AVAILABILITY_OBJECTIVE).toFixed(3)}`,
  availabilityBurnRate1h: `comments_api:request_errors:ratio_rate1h{stack="$stack"} / ${(1 - AVAILABILITY_OBJECTIVE).toFixed(3)}`,
  latency30d: `sum(increase(http_request_duration_seconds_bucket{${SERVICE}, le="0.3"}[30d])) / sum(increase(${requests()}[30d]))`,
  latencyBudgetRemaining: `1 - (1 - sum(increase(http_request_duration_seconds_bucket{${SERVICE}, le="0.3"}[30d])) / sum(increase(${requests()}[30d]))) / ${(1 - LATENCY_OBJECTIVE).toFixed(2)}`,
  latencyBurnRate1h: `comments_api:request_slow:ratio_rate1h{stack="$stack"} / ${(1 - LATENCY_OBJECTIVE).toFixed(2)}`,

  // Saturation, per task.
  tasksUp: `count(up{${SERVICE}} == 1)`,
  cpuPerTask: `rate(process_cpu_seconds_total{${SERVICE}}[$__rate_interval])`,
  memoryPerTask: `process_resident_memory_bytes{${SERVICE}}`,
  heapPerTask: `nodejs_heap_size_used_bytes{${SERVICE}}`,
  eventLoopLagP99: `nodejs_eventloop_lag_p99_seconds{${SERVICE}}`,
  commentsCreated: `sum(rate(comments_created_total{${SERVICE}}[$__rate_interval]))`,

  // Release markers: a task that started (a deploy, a rollback, or a replacement).
  taskStarts: `changes(process_start_time_seconds{${SERVICE}}[2m]) > 0`,
} as const;
