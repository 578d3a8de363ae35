/**
 * The expressions of the rules that watch the monitoring itself: the share of a grown-up task's
 * scrapes answered (reachability), and the SLO group's sentinel.
 */

import { durationSeconds, type SloSpec, withJob } from "@comments-platform/slo";
import { SCRAPE_INTERVAL_SECONDS } from "../../infra/src/documents/collector.js";
import { ratioRecord, SLO_GROUP_INTERVAL, windows } from "./names.js";

/**
 * Each task's share of scrapes answered over the window, counting only the scrapes taken once the
 * task had run `graceFor`. A subquery at the collector's scrape interval samples `up` once per
 * scrape; `present_over_time(...[1m])` stops a stopped task's last value from lingering through
 * the lookback, and `... offset graceFor` leaves out a task younger than that.
 */
export function grownUpShare(spec: SloSpec): string {
  const up = `up{job="${spec.job}"}`;
  const { window, graceFor } = spec.reachability;
  return [
    "avg_over_time(",
    "  (",
    `    ${up}`,
    `    and present_over_time(${up}[1m])`,
    `    and present_over_time(${up}[1m] offset ${graceFor})`,
    `  )[${window}:${SCRAPE_INTERVAL_SECONDS}s]`,
    ")",
  ].join("\n");
}

/**
 * The sentinel: stacks whose requests allow every SLI (a series with two samples in the shortest
 * window, so every rate() has a value) but that did not get every SLI recorded at this evaluation.
 * A recording rule whose query fails (AMP's query limits, a bad deploy of the rules) writes
 * nothing and no stale marker, so its last value is read for 5 minutes more: freshness is judged
 * by the sample's timestamp, not by presence. Rules of a group run in order with one timestamp, so
 * a record of this evaluation is younger than the group's interval.
 */
export function sentinelExpr(spec: SloSpec): string {
  const shortest = windows(spec)[0] ?? "5m";
  const totals = [...new Set(spec.objectives.map((o) => withJob(o.total, spec.job)))];
  const records = spec.objectives.flatMap((o) => windows(spec).map((w) => ratioRecord(spec, o, w)));
  const interval = durationSeconds(SLO_GROUP_INTERVAL) ?? 60;
  // timestamp() gives a sample's own time only on a plain selector (wrapped in label_replace it
  // gives the evaluation's), and drops the name: one term per record, not one regex selector.
  const fresh = records.map((r) => `group by (stack) (timestamp(${r}) > time() - ${interval})`);
  return [
    `group by (stack) (${totals.map((t) => `count_over_time(${t}[${shortest}]) > 1`).join(" or ")})`,
    "unless on (stack) (",
    `  ${fresh.join("\n  and on (stack) ")}`,
    ")",
  ].join("\n");
}
