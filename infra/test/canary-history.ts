/**
 * Production-shaped history for the canary tests, backfilled into a real Prometheus with
 * `promtool tsdb create-blocks-from openmetrics`: per stack, the old revision 41 on two tasks and
 * the new revision 42 on one, 15 s scrapes, counters that grow at a steady rate so `increase()`
 * over a window gives exact counts; the 30-day SLIs sampled every 5 minutes as their rule group
 * writes them, and a firing page.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, startPrometheus } from "@comments-platform/testkit";

/** Half an hour of history ending at END (a whole hour, so times print round). */
export const START = 1796000000 - (1796000000 % 3600);
export const END = START + 1800;

/** A revision's traffic: requests per second (and the one 503), 5xx per second of them, slow per second. */
interface Rates {
  rps: number;
  errors: number;
  slow: number;
  /** One 503 at this time, on top of `errors`. */
  oneErrorAt?: number;
}
/** The new revision's traffic per stack; the old revision serves 45 req/s, 0.1% 5xx, 0.5% slow. */
export const SCENARIOS: Record<string, Rates> = {
  // 12 requests in the last 10 minutes: 11 answered 200, one 503.
  twelve: { rps: 11 / 600, errors: 0, slow: 0, oneErrorAt: END - 300 },
  // 5 req/s, 0.1% 5xx and 1/3% slow: 3000 requests, 3 errors and 10 slow in 10 minutes.
  healthy: { rps: 5, errors: 0.005, slow: 1 / 60 },
  // 5 req/s, 3% 5xx: 90 errors in 10 minutes.
  errors: { rps: 5, errors: 0.15, slow: 1 / 60 },
};
const OLD: Rates = { rps: 22.5, errors: 0.0225, slow: 0.1125 };

/** The history as OpenMetrics text. `budget` per stack: the 30-day 5xx ratio; `paging`: stacks with a firing page. */
export function history(budget: Record<string, number>, paging: string[]): string {
  const count: string[] = [];
  const bucket: string[] = [];
  for (const [stack, scenario] of Object.entries(SCENARIOS)) {
    const tasks = [
      { revision: "41", task: "a", ...OLD },
      { revision: "41", task: "b", ...OLD },
      { revision: "42", task: "c", ...scenario },
    ];
    for (const t of tasks) {
      const labels = `job="comments-api",stack="${stack}",aws_ecs_task_revision="${t.revision}",aws_ecs_task_arn="arn:aws:ecs:sa-east-1:123456789012:task/comments-api-prod/${t.task}"`;
      for (let at = START; at <= END; at += 15) {
        const seconds = at - START;
        // Each counter only grows: a counter that drops reads as a reset and counts twice.
        const bad = seconds * t.errors + (t.oneErrorAt !== undefined && at >= t.oneErrorAt ? 1 : 0);
        const good = seconds * (t.rps - t.errors);
        const slow = seconds * t.slow;
        count.push(`http_request_duration_seconds_count{${labels},status_code="200"} ${good} ${at}`);
        count.push(`http_request_duration_seconds_count{${labels},status_code="503"} ${bad} ${at}`);
        bucket.push(
          `http_request_duration_seconds_bucket{${labels},status_code="200",le="0.3"} ${good - slow} ${at}`,
        );
        bucket.push(
          `http_request_duration_seconds_bucket{${labels},status_code="503",le="0.3"} ${bad} ${at}`,
        );
      }
    }
  }
  // The 30-day group is evaluated every 5 minutes: one sample per evaluation, the last at END - 930,
  // 5.5 minutes before a release that starts at END - 600.
  const errors: string[] = ["# TYPE comments_api:request_errors:ratio_rate30d gauge"];
  const slow: string[] = ["# TYPE comments_api:request_slow:ratio_rate30d gauge"];
  for (let at = END - 1530; at <= END - 930; at += 300) {
    for (const [stack, ratio] of Object.entries(budget)) {
      errors.push(`comments_api:request_errors:ratio_rate30d{stack="${stack}"} ${ratio} ${at}`);
      slow.push(`comments_api:request_slow:ratio_rate30d{stack="${stack}"} 0.002 ${at}`);
    }
  }
  const alerts: string[] = ["# TYPE ALERTS gauge"];
  for (let at = END - 900; at <= END; at += 15) {
    for (const stack of paging)
      alerts.push(
        `ALERTS{alertname="CommentsApiAvailabilityBudgetBurnFast",alertstate="firing",severity="page",stack="${stack}",window="1h/5m"} 1 ${at}`,
      );
  }
  return `${[
    "# TYPE http_request_duration_seconds_count unknown",
    ...count,
    "# TYPE http_request_duration_seconds_bucket unknown",
    ...bucket,
    ...errors,
    ...slow,
    ...alerts,
  ].join("\n")}\n# EOF\n`;
}

/** A Prometheus holding `history(...)`; the caller stops it and removes `dir`. */
export async function backfilledPrometheus(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "canary-"));
  writeFileSync(join(dir, "history.om"), text);
  mkdirSync(join(dir, "data"));
  const backfill = run("promtool", [
    "tsdb",
    "create-blocks-from",
    "openmetrics",
    join(dir, "history.om"),
    join(dir, "data"),
  ]);
  if (backfill.status !== 0) throw new Error(backfill.output);
  return { dir, server: await startPrometheus(dir, "global: {}\n") };
}
