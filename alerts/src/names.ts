/**
 * The names and small pieces the rule file, its promtool cases and the runbooks share: alert and
 * record names, the runbook URL, how numbers and shares are printed. Pure, from alerts/slo.yaml.
 */
import { type BurnRate, durationSeconds, type Objective, type SloSpec } from "@comments-platform/slo";

/** The runbook of an alert (or alarm), as its `runbook_url` annotation links it: from the spec's repositoryUrl. */
export const runbookUrl = (spec: SloSpec, alert: string) =>
  `${spec.repositoryUrl}/blob/main/alerts/runbooks/${alert}.md`;

/** `comments-api` → `comments_api`: the level of every recorded series. */
export const level = (spec: SloSpec) => spec.job.replaceAll("-", "_");

/** Every window the burn-rate pairs read, shortest first. */
export function windows(spec: SloSpec): string[] {
  const all = new Set(spec.burnRates.flatMap((b) => [b.long, b.short]));
  return [...all].sort((a, b) => (durationSeconds(a) ?? 0) - (durationSeconds(b) ?? 0));
}

/** The name of a recorded bad-request ratio over a window: `comments_api:request_errors:ratio_rate1h`. */
export const ratioRecord = (spec: SloSpec, objective: Objective, window: string) =>
  `${level(spec)}:${objective.record}:ratio_rate${window}`;

const cap = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
/** `CommentsApi`: the prefix of every alert name. */
export const alertPrefix = (spec: SloSpec) => spec.job.split("-").map(cap).join("");
/** The alert a burn-rate pair of an objective raises: pages burn Fast, tickets Slow. */
export const burnAlertName = (spec: SloSpec, objective: Objective, severity: BurnRate["severity"]) =>
  `${alertPrefix(spec)}${cap(objective.name)}BudgetBurn${severity === "page" ? "Fast" : "Slow"}`;
/** The `window` label of a pair's alert: `1h/5m`. */
export const windowLabel = (pair: BurnRate) => `${pair.long}/${pair.short}`;
/** The reachability alerts: the stack (page) and one task (ticket). */
export const unreachableAlert = (spec: SloSpec) => `${alertPrefix(spec)}Unreachable`;
export const taskUnreachableAlert = (spec: SloSpec) => `${alertPrefix(spec)}TaskUnreachable`;
/** The sentinel inside the SLO group: SLIs that were not recorded this evaluation. */
export const sloRulesFailingAlert = (spec: SloSpec) => `${alertPrefix(spec)}SloRulesFailing`;
/** The SLO group's evaluation interval: the sentinel's freshness test reads it. */
export const SLO_GROUP_INTERVAL = "1m";
/** How long SLIs may go unrecorded before the sentinel pages: a passing query error does not. */
export const SENTINEL_FOR = "5m";
/** Watchdog's annotations (the promtool cases render them). */
export const watchdogAnnotations = (spec: SloSpec) => ({
  summary: "Alerting pipeline heartbeat",
  description:
    "Always firing, from the SLO rule group. If the heartbeat topic stops getting it, the SLO rules are not evaluated or alerts are not delivered.",
  runbook_url: runbookUrl(spec, "Watchdog"),
});

/** A number as the rules print it: no float noise (14.4 * 0.001 is 0.0144). */
export const number = (value: number) => String(Number(value.toPrecision(12)));
/** A share as a person reads it: 0.0144 → 1.44%. */
export const percent = (value: number) => `${number(value * 100)}%`;

/** What bad means for an objective, in words. */
export function badInWords(objective: Objective): string {
  return objective.thresholdSeconds === undefined
    ? "answered 5xx"
    : `slower than ${number(objective.thresholdSeconds * 1000)} ms`;
}
