/**
 * Every PromQL query the dashboards run, in one place, so the tests that run them (against a real
 * Prometheus scraping the real service, and in promtool on known traffic for exact values) cover
 * exactly what the dashboards show. `$stack` and `$__rate_interval` are Grafana variables. The
 * objectives, thresholds and burn rates come from alerts/slo.yaml.
 */
import { availabilityOf, latencyOf, type SloSpec, withJob } from "@comments-platform/slo";

const STACK = 'stack="$stack"';
/** Per-task series as `task`: the last part of the task ARN (the collector's `aws_ecs_task_arn`). */
const perTask = (expr: string) => `label_replace(${expr}, "task", "$1", "aws_ecs_task_arn", ".*/([^/]+)$")`;

/**
 * Every PromQL query the dashboard runs, by panel, in one place (the layout is in comments-api.ts),
 * drawn from the SLO spec the caller read (alerts/slo.yaml): nothing is read at import.
 */
export function queriesFor(SLO: SloSpec) {
  /** A spec selector with the job and the stack matchers. */
  const select = (selector: string) => withJob(selector, SLO.job).replace("}", `,${STACK}}`);
  const service = (metric: string) => `${metric}{job="${SLO.job}",${STACK}}`;
  const level = SLO.job.replaceAll("-", "_");
  const availability = availabilityOf(SLO);
  const latency = latencyOf(SLO);
  const total = select(availability.total);
  const errors = select(availability.bad);
  return {
    // Every request, router 404s (`route="unmatched"`) included: a scanner shows here, though the SLIs
    // leave it out (alerts/slo.yaml).
    requestsByRoute: `sum by (route) (rate(${service("http_request_duration_seconds_count")}[$__rate_interval]))`,
    responsesByStatus: `sum by (status_code) (rate(${service("http_request_duration_seconds_count")}[$__rate_interval]))`,
    // `or ... * 0` keeps the line at 0 instead of "no data" while nothing fails.
    errorRatio: `(sum(rate(${errors}[$__rate_interval])) or sum(rate(${total}[$__rate_interval])) * 0) / sum(rate(${total}[$__rate_interval]))`,
    errorRatioByTask: perTask(
      `(sum by (aws_ecs_task_arn) (rate(${errors}[$__rate_interval])) or sum by (aws_ecs_task_arn) (rate(${total}[$__rate_interval])) * 0) / sum by (aws_ecs_task_arn) (rate(${total}[$__rate_interval]))`,
    ),
    latencyQuantile: (q: number) =>
      `histogram_quantile(${q}, sum by (le) (rate(${service("http_request_duration_seconds_bucket")}[$__rate_interval])))`,
    latencyP99ByRoute: `histogram_quantile(0.99, sum by (le, route) (rate(${service("http_request_duration_seconds_bucket")}[$__rate_interval])))`,
    slowRatio: `1 - sum(rate(${select(latency.good ?? "")}[$__rate_interval])) / sum(rate(${select(latency.total)}[$__rate_interval]))`,

    // SLO status over the period, from the rules' slow-group records (no raw 30d range per refresh).
    availabilityPeriod: `1 - ${level}:${availability.record}:ratio_rate${SLO.period}{${STACK}}`,
    availabilityBudgetRemaining: `1 - ${level}:${availability.record}:ratio_rate${SLO.period}{${STACK}} / ${availability.budget}`,
    availabilityBurnRate: (window: string) =>
      `${level}:${availability.record}:ratio_rate${window}{${STACK}} / ${availability.budget}`,
    latencyPeriod: `1 - ${level}:${latency.record}:ratio_rate${SLO.period}{${STACK}}`,
    latencyBudgetRemaining: `1 - ${level}:${latency.record}:ratio_rate${SLO.period}{${STACK}} / ${latency.budget}`,
    latencyBurnRate: (window: string) =>
      `${level}:${latency.record}:ratio_rate${window}{${STACK}} / ${latency.budget}`,

    // Saturation, per task.
    tasksUp: `count(${service("up")} == 1)`,
    cpuPerTask: perTask(`rate(${service("process_cpu_seconds_total")}[$__rate_interval])`),
    memoryPerTask: perTask(service("process_resident_memory_bytes")),
    heapPerTask: perTask(service("nodejs_heap_size_used_bytes")),
    eventLoopLagP99: perTask(service("nodejs_eventloop_lag_p99_seconds")),
    commentsCreated: `sum(rate(${service("comments_created_total")}[$__rate_interval]))`,

    // Release markers. On ECS every task is a new series, so changes() never fires; the start time
    // each process reports is the event's time instead (Grafana's "series value as timestamp", in ms).
    taskStarts: perTask(`max by (aws_ecs_task_arn) (${service("process_start_time_seconds")}) * 1000`),
  } as const;
}
