/**
 * Input series for promtool, shaped the way production makes them: each ECS task's collector
 * scrapes its own task every `interval`, so a task's series start when it starts (not at minute 0),
 * end when it stops, carry `aws_ecs_task_arn` and `stack`, and miss the samples of scrapes that
 * failed (while `up` says 0). Counters start at 0 with the process: the service creates its 5xx
 * series at start-up (`zeroErrorSeries`); without that, a 5xx series starts at its first error,
 * and `rate()` never counts what its first sample holds.
 */

/** One ECS task: its ARN's last part and when it runs, in seconds from the case's start. */
export interface Task {
  id: string;
  start: number;
  /** When it stops (its collector with it); absent: runs to the end of the case. */
  end?: number;
}

/** The stack's traffic from `from` to `to` (seconds), split evenly over the running tasks. */
export interface Traffic {
  from: number;
  to: number;
  /** Requests per second, over the whole stack. */
  rps: number;
  /** Share answered 5xx (fast). */
  errorRatio?: number;
  /** Share of the other requests answered slower than the latency threshold. */
  slowRatio?: number;
  /**
   * Router 404s per second over the whole stack (a scanner): `route="unmatched"`, fast, on series
   * that appear with the first one, as prom-client creates them.
   */
  unmatchedRps?: number;
}

/** Scrapes of a task that fail from `from` to `to`: all of them, or 7 in every 8. */
export interface ScrapeFault {
  task: string;
  from: number;
  to: number;
  pattern: "all" | "7of8";
}

/** A stack's tasks, traffic and scrape faults over `duration` seconds. */
export interface Scenario {
  stack: string;
  /** Scrape interval, seconds (production: 15). */
  interval: number;
  duration: number;
  tasks: Task[];
  traffic: Traffic[];
  scrapeFaults?: ScrapeFault[];
  /** The service creates its 5xx series at 0 at start-up (true, as it does since prom-client zero()). */
  zeroErrorSeries?: boolean;
}

/** One promtool input series: its selector and its values in promtool's expanding notation. */
export interface InputSeries {
  series: string;
  values: string;
}

export const JOB = "comments-api";
const ROUTE = 'method="GET",route="/api/comment/list/:content_id"';
const UNMATCHED = 'method="GET",route="unmatched"';
/** Task ARNs as ECS writes them. */
export const taskArn = (stack: string, id: string) =>
  `arn:aws:ecs:sa-east-1:123456789012:task/comments-api-${stack}/${id}`;

const round = (value: number) => Number(value.toPrecision(12));

/** Values (undefined: no sample) in promtool's notation: `_xN` for gaps, `a+bxN` for runs. */
export function encode(values: Array<number | undefined>): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    const value = values[i];
    if (value === undefined) {
      let j = i;
      while (j < values.length && values[j] === undefined) j += 1;
      parts.push(`_x${j - i}`);
      i = j;
      continue;
    }
    const next = values[i + 1];
    if (next === undefined) {
      parts.push(String(round(value)));
      i += 1;
      continue;
    }
    const step = next - value;
    let j = i + 1;
    while (j + 1 < values.length) {
      const following = values[j + 1];
      if (
        following === undefined ||
        Math.abs(following - (values[j] as number) - step) > 1e-6 * Math.max(1, Math.abs(step))
      )
        break;
      j += 1;
    }
    const b = round(step);
    parts.push(
      b === 0 ? `${round(value)}x${j - i}` : `${round(value)}${b < 0 ? "-" : "+"}${Math.abs(b)}x${j - i}`,
    );
    i = j + 1;
  }
  return parts.join(" ");
}

function answered(scenario: Scenario, task: string, t: number, index: number): boolean {
  for (const fault of scenario.scrapeFaults ?? []) {
    if (fault.task !== task || t < fault.from || t >= fault.to) continue;
    if (fault.pattern === "all" || index % 8 !== 0) return false;
  }
  return true;
}

/** The series of a scenario, in a stable order: per task, count and bucket per status, then up. */
export function inputSeries(scenario: Scenario): InputSeries[] {
  const { interval, duration, tasks } = scenario;
  const steps = Math.floor(duration / interval) + 1;
  const running = (t: number) =>
    tasks.filter((task) => task.start <= t && (task.end === undefined || t < task.end));
  const trafficAt = (t: number) => scenario.traffic.find((segment) => segment.from <= t && t < segment.to);
  const series: InputSeries[] = [];
  for (const task of tasks) {
    const labels = `job="${JOB}",stack="${scenario.stack}",instance="127.0.0.1:9464",aws_ecs_task_arn="${taskArn(scenario.stack, task.id)}"`;
    const ok = { count: [] as Array<number | undefined>, fast: [] as Array<number | undefined> };
    const failed = { count: [] as Array<number | undefined> };
    const notFound: Array<number | undefined> = [];
    const up: Array<number | undefined> = [];
    let okCount = 0;
    let okFast = 0;
    let errors = 0;
    let unmatched = 0;
    let sampleIndex = 0;
    for (let step = 0; step < steps; step += 1) {
      const t = step * interval;
      const alive = task.start <= t && (task.end === undefined || t < task.end);
      if (alive && t > task.start) {
        // What this task served since the previous scrape, at the traffic of that interval's start.
        const from = Math.max(task.start, t - interval);
        const segment = trafficAt(from);
        const share = running(from).length;
        if (segment !== undefined && share > 0) {
          const requests = (segment.rps * (t - from)) / share;
          const bad = requests * (segment.errorRatio ?? 0);
          const good = requests - bad;
          errors += bad;
          okCount += good;
          okFast += good * (1 - (segment.slowRatio ?? 0));
          unmatched += ((segment.unmatchedRps ?? 0) * (t - from)) / share;
        }
      }
      if (!alive) {
        ok.count.push(undefined);
        ok.fast.push(undefined);
        failed.count.push(undefined);
        notFound.push(undefined);
        up.push(undefined);
        continue;
      }
      const scraped = answered(scenario, task.id, t, sampleIndex);
      sampleIndex += 1;
      up.push(scraped ? 1 : 0);
      ok.count.push(scraped ? okCount : undefined);
      ok.fast.push(scraped ? okFast : undefined);
      const errorSeriesExists = scenario.zeroErrorSeries !== false || errors > 0;
      failed.count.push(scraped && errorSeriesExists ? errors : undefined);
      notFound.push(scraped && unmatched > 0 ? unmatched : undefined);
    }
    series.push(
      {
        series: `http_request_duration_seconds_count{${labels},${ROUTE},status_code="200"}`,
        values: encode(ok.count),
      },
      {
        series: `http_request_duration_seconds_bucket{${labels},${ROUTE},status_code="200",le="0.3"}`,
        values: encode(ok.fast),
      },
      {
        series: `http_request_duration_seconds_count{${labels},${ROUTE},status_code="503"}`,
        values: encode(failed.count),
      },
      // 5xx answers are fast: every one is within the threshold.
      {
        series: `http_request_duration_seconds_bucket{${labels},${ROUTE},status_code="503",le="0.3"}`,
        values: encode(failed.count),
      },
      // Router 404s are fast too.
      {
        series: `http_request_duration_seconds_count{${labels},${UNMATCHED},status_code="404"}`,
        values: encode(notFound),
      },
      {
        series: `http_request_duration_seconds_bucket{${labels},${UNMATCHED},status_code="404",le="0.3"}`,
        values: encode(notFound),
      },
      { series: `up{${labels}}`, values: encode(up) },
    );
  }
  return series.filter((s) => s.values !== `_x${steps}`);
}
