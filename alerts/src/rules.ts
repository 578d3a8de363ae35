/**
 * The Prometheus rule file, generated from alerts/slo.yaml: `pnpm alerts` writes
 * alerts/rules/comments-api.yaml, and a test fails when the committed file is not what this gives.
 * Built as text, not through a YAML serializer, so the file keeps the comments that explain it.
 */
import { SCRAPE_INTERVAL_SECONDS } from "../../infra/src/documents/collector.js";
import {
  type BurnRate,
  durationSeconds,
  type Objective,
  type SloSpec,
  withJob,
} from "../../infra/src/slo.js";

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

function sli(spec: SloSpec, objective: Objective, window: string): string {
  const total = `sum by (stack) (rate(${withJob(objective.total, spec.job)}[${window}]))`;
  if (objective.bad !== undefined) {
    const bad = `sum by (stack) (rate(${withJob(objective.bad, spec.job)}[${window}]))`;
    return `(\n  ${bad}\n  or ${total} * 0\n)\n/ ${total}`;
  }
  const good = `sum by (stack) (rate(${withJob(objective.good ?? "", spec.job)}[${window}]))`;
  return `1 - (\n  ${good}\n  / ${total}\n)`;
}

function badRate(spec: SloSpec, objective: Objective): string {
  const total = `sum by (stack) (rate(${withJob(objective.total, spec.job)}[5m]))`;
  if (objective.bad !== undefined) {
    return `sum by (stack) (rate(${withJob(objective.bad, spec.job)}[5m]))\nor ${total} * 0`;
  }
  return `${total}\n- sum by (stack) (rate(${withJob(objective.good ?? "", spec.job)}[5m]))`;
}

interface RuleText {
  comment?: string;
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const quote = (value: string) => JSON.stringify(value);
const indent = (text: string, spaces: number) =>
  text
    .split("\n")
    .map((line) => (line === "" ? "" : " ".repeat(spaces) + line))
    .join("\n");

function ruleText(rule: RuleText): string {
  const lines: string[] = [];
  if (rule.comment !== undefined)
    lines.push(...rule.comment.split("\n").map((line) => `# ${line}`.trimEnd()));
  lines.push(rule.alert === undefined ? `- record: ${rule.record}` : `- alert: ${rule.alert}`);
  lines.push("  expr: |", indent(rule.expr, 4));
  if (rule.for !== undefined) lines.push(`  for: ${rule.for}`);
  for (const [key, map] of [
    ["labels", rule.labels],
    ["annotations", rule.annotations],
  ] as const) {
    if (map === undefined) continue;
    lines.push(`  ${key}:`);
    for (const [name, value] of Object.entries(map)) lines.push(`    ${name}: ${quote(value)}`);
  }
  return lines.join("\n");
}

/** The annotations of a burn-rate alert (Prometheus templates; the promtool cases render them). */
export function burnAnnotations(spec: SloSpec, objective: Objective, pair: BurnRate): Record<string, string> {
  const threshold = pair.burnRate * objective.budget;
  const days = (durationSeconds(spec.period) ?? 0) / 86400 / pair.burnRate;
  const speed = pair.severity === "page" ? "fast" : "slowly";
  return {
    summary: `Comments API in {{ $labels.stack }} is burning its ${objective.name} budget ${speed}: at this rate the ${spec.period} budget is gone in ${number(Number(days.toFixed(1)))} days`,
    description: `{{ $value | humanizePercentage }} of requests over the last ${pair.long} were ${badInWords(objective)} in stack {{ $labels.stack }}, and more than ${percent(threshold)} still are over the last ${pair.short}: ${number(pair.burnRate)} times the rate the objective (${percent(objective.objective)} of requests not ${badInWords(objective)} over ${spec.period}) allows.`,
    runbook_url: runbookUrl(spec, burnAlertName(spec, objective, pair.severity)),
  };
}

/** The annotations of the reachability alerts: the stack's three rules (page) and a task's (ticket). */
export function reachabilityAnnotations(spec: SloSpec) {
  const { window, silentFor, ticketFor, graceFor } = spec.reachability;
  const page = (description: string) => ({
    summary: "Comments API in {{ $labels.stack }} is unreachable",
    description: `${description} Requests are probably failing, and the SLO alerts cannot see it.`,
    runbook_url: runbookUrl(spec, unreachableAlert(spec)),
  });
  return {
    scrapes: page(
      `Only {{ $value | humanizePercentage }} of scrapes of stack {{ $labels.stack }}'s tasks (those that have run ${graceFor}) were answered over the last ${window}.`,
    ),
    silent: page(
      `No task of stack {{ $labels.stack }} has reported for ${silentFor}: every task, or the collector path to Prometheus, is gone.`,
    ),
    neverHeard: {
      ...page(
        `No task of job ${spec.job} has reported to this workspace for a day, or ever: every stack's tasks, or the collector path to Prometheus, are gone.`,
      ),
      summary: "Comments API is unreachable: no stack reports",
    },
    ticket: {
      summary: "A comments API task in {{ $labels.stack }} is not answering scrapes",
      description: `Task {{ $labels.aws_ecs_task_arn }} answered {{ $value | humanizePercentage }} of its scrapes over the last ${window}, for ${ticketFor}. ECS replaces a task that fails its health check; one that passes it but cannot be scraped is invisible to the SLO alerts.`,
      runbook_url: runbookUrl(spec, taskUnreachableAlert(spec)),
    },
  };
}

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

/** The whole rule file, as committed. */
export function rulesFile(spec: SloSpec): string {
  const lvl = level(spec);
  const up = `up{job="${spec.job}"}`;
  const { window, minShare, pageFor, ticketFor, silentFor } = spec.reachability;
  const slo: RuleText[] = [];
  for (const objective of spec.objectives) {
    windows(spec).forEach((w, index) => {
      slo.push({
        ...(index === 0
          ? {
              comment: `${cap(objective.name)} SLI, per window: the share of requests ${badInWords(objective)}${objective.bad === undefined ? "" : ' (0, not "no data", when none were)'}.`,
            }
          : {}),
        record: ratioRecord(spec, objective, w),
        expr: sli(spec, objective, w),
      });
    });
  }
  for (const objective of spec.objectives) {
    for (const pair of spec.burnRates) {
      const threshold = `(${number(pair.burnRate)} * ${number(objective.budget)})`;
      slo.push({
        alert: burnAlertName(spec, objective, pair.severity),
        expr: `${ratioRecord(spec, objective, pair.long)} > ${threshold}\nand ${ratioRecord(spec, objective, pair.short)} > ${threshold}`,
        for: pair.for,
        labels: { severity: pair.severity, slo: objective.name, window: windowLabel(pair) },
        annotations: burnAnnotations(spec, objective, pair),
      });
    }
  }
  const reach = reachabilityAnnotations(spec);
  const { silentPageFor, neverHeardFor } = spec.reachability;
  slo.push(
    {
      comment: [
        `The stack cannot be scraped: under ${percent(minShare)} of its tasks' scrapes answered over ${window}, averaged`,
        `over the tasks that have run ${spec.reachability.graceFor} (a new task is still starting); the value is the share`,
        "answered. Each task's collector scrapes its own task and stops with it, so a stopped task",
        "leaves no up == 0 behind: the next rule covers silence.",
      ].join("\n"),
      alert: unreachableAlert(spec),
      expr: `avg by (stack) (\n${indent(grownUpShare(spec), 2)}\n) < ${number(minShare)}`,
      for: pageFor,
      labels: { severity: "page", reason: "scrapes_failing" },
      annotations: reach.scrapes,
    },
    {
      comment: `No \`up\` series for ${silentFor} from a stack seen within a day: it keeps its stack label (absent() would drop it).`,
      alert: unreachableAlert(spec),
      expr: [
        `group by (stack) (present_over_time(${up}[1d]))`,
        `unless on (stack) group by (stack) (present_over_time(${up}[${silentFor}]))`,
      ].join("\n"),
      for: silentPageFor,
      labels: { severity: "page", reason: "silent" },
      annotations: reach.silent,
    },
    {
      comment: "Nothing for a day, or ever: no stack to name.",
      alert: unreachableAlert(spec),
      expr: `absent_over_time(${up}[1d])`,
      for: neverHeardFor,
      labels: { severity: "page", reason: "never_heard" },
      annotations: reach.neverHeard,
    },
    {
      comment:
        "One task that answers too few scrapes once grown up: a ticket, named by its task ARN. ECS\nreplaces tasks that fail their health check; the page above covers a stack that is mostly unreachable.",
      alert: taskUnreachableAlert(spec),
      expr: `${grownUpShare(spec)} < ${number(minShare)}`,
      for: ticketFor,
      labels: { severity: "ticket" },
      annotations: reach.ticket,
    },
    {
      comment: [
        "The sentinel of this group: a stack with requests whose SLIs were not all recorded at this",
        "evaluation. A failing recording rule leaves its alerts reading nothing, or a value up to 5",
        "minutes old, while Watchdog below stays green.",
      ].join("\n"),
      alert: sloRulesFailingAlert(spec),
      expr: sentinelExpr(spec),
      for: SENTINEL_FOR,
      labels: { severity: "page" },
      annotations: {
        summary: "Comments API in {{ $labels.stack }}: the SLO rules are failing",
        description: `Stack {{ $labels.stack }} serves requests, but not every SLI of the ${spec.job}-slo rule group was recorded at each evaluation for ${SENTINEL_FOR}: a recording rule's query fails, and the burn-rate alerts of the stack read nothing or stale values.`,
        runbook_url: runbookUrl(spec, sloRulesFailingAlert(spec)),
      },
    },
    {
      comment: [
        "Watchdog always fires, from this group: if the group stops being evaluated (its namespace",
        "rejected, AMP missing its iterations), the heartbeat stops with it, and the CloudWatch alarm",
        "<stack>-heartbeat-missing pages (infra/src/documents/alarms.ts).",
      ].join("\n"),
      alert: "Watchdog",
      expr: "vector(1)",
      labels: { severity: "none" },
      annotations: watchdogAnnotations(spec),
    },
  );
  const period: RuleText[] = [];
  for (const objective of spec.objectives) {
    period.push(
      {
        comment: `${cap(objective.name)}: requests ${badInWords(objective)} per second, and all requests per second, over 5m.`,
        record: `${lvl}:${objective.record}:bad_rate5m`,
        expr: badRate(spec, objective),
      },
      {
        record: `${lvl}:${objective.record}:total_rate5m`,
        expr: `sum by (stack) (rate(${withJob(objective.total, spec.job)}[5m]))`,
      },
    );
  }
  const periodRatios: RuleText[] = spec.objectives.map((objective) => ({
    record: `${lvl}:${objective.record}:ratio_rate${spec.period}`,
    expr: `sum_over_time(${lvl}:${objective.record}:bad_rate5m[${spec.period}])\n/ sum_over_time(${lvl}:${objective.record}:total_rate5m[${spec.period}])`,
  }));
  const objectivesText = spec.objectives
    .map((o) => `${o.name}, ${percent(o.objective)} of requests not ${badInWords(o)}`)
    .join("; ");
  const group = (name: string, interval: string, comment: string, rules: RuleText[]) =>
    [
      ...comment.split("\n").map((line) => `  # ${line}`.trimEnd()),
      `  - name: ${name}`,
      `    interval: ${interval}`,
      "    rules:",
      rules.map((rule) => indent(ruleText(rule), 6)).join("\n\n"),
    ].join("\n");
  return `${[
    "# GENERATED by `pnpm alerts` from alerts/slo.yaml: edit that file, not this one.",
    "#",
    "# The comments API's SLIs and alerts. One rule file is one Amazon Managed Prometheus rule-groups",
    "# namespace: `pulumi up` uploads this file byte for byte, and promtool runs the cases in",
    "# alerts/tests against it exactly as it is.",
    "#",
    `# Objectives over ${spec.period}: ${objectivesText}.`,
    `# Every series carries job="${spec.job}" and the \`stack\` label the collector adds; SLIs are kept per`,
    "# stack so alerts name the stack they are about.",
    "groups:",
    group(
      `${spec.job}-slo`,
      SLO_GROUP_INTERVAL,
      "SLIs and the alerts that read them share one group: rules in a group run in order, so each alert\nsees this minute's SLIs (in separate groups an alert reads them one evaluation late, or not, by\nchance). Each burn-rate pair is its own rule, labelled with its windows\n(https://sre.google/workbook/alerting-on-slos/).",
      slo,
    ),
    "",
    group(
      `${spec.job}-slo-${spec.period}`,
      "5m",
      `The ${spec.period} SLIs the dashboard shows: 5m rates recorded every 5 minutes, summed over ${spec.period}, so no\nquery reads raw counters over ${spec.period}. Weighted by traffic: a busy minute counts more than a quiet one.`,
      [...period, ...periodRatios],
    ),
  ].join("\n")}\n`;
}
