/**
 * The Prometheus rule file, generated from alerts/slo.yaml: `pnpm alerts` writes
 * alerts/rules/comments-api.yaml, and a test fails when the committed file is not what this gives.
 * Built as text, not through a YAML serializer, so the file keeps the comments that explain it.
 */
import {
  type BurnRate,
  durationSeconds,
  type Objective,
  type SloSpec,
  withJob,
} from "../../infra/src/slo.js";

/** The runbook of an alert, as its `runbook_url` annotation links it. */
export const runbookUrl = (alert: string) =>
  `https://github.com/comments-platform/comments-platform/blob/main/alerts/runbooks/${alert}.md`;

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
    runbook_url: runbookUrl(burnAlertName(spec, objective, pair.severity)),
  };
}

/** The annotations of the reachability alerts: the stack's three rules (page) and a task's (ticket). */
export function reachabilityAnnotations(spec: SloSpec) {
  const { window, silentFor, ticketFor } = spec.reachability;
  const page = (description: string) => ({
    summary: "Comments API in {{ $labels.stack }} is unreachable",
    description: `${description} Requests are probably failing, and the SLO alerts cannot see it.`,
    runbook_url: runbookUrl(unreachableAlert(spec)),
  });
  return {
    scrapes: page(
      `Only {{ $value | humanizePercentage }} of scrapes of stack {{ $labels.stack }}'s tasks were answered over the last ${window}.`,
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
      runbook_url: runbookUrl(taskUnreachableAlert(spec)),
    },
  };
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
        "over the tasks; the value is the share answered. Each task's collector scrapes its own task and",
        "stops with it, so a stopped task leaves no up == 0 behind: the next rule covers silence.",
      ].join("\n"),
      alert: unreachableAlert(spec),
      expr: `avg by (stack) (avg_over_time(${up}[${window}])) < ${number(minShare)}`,
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
        "One task that answers too few scrapes: a ticket, named by its task ARN. ECS replaces tasks\nthat fail their health check; the page above covers a stack that is mostly unreachable.",
      alert: taskUnreachableAlert(spec),
      expr: `avg_over_time(${up}[${window}]) < ${number(minShare)}`,
      for: ticketFor,
      labels: { severity: "ticket" },
      annotations: reach.ticket,
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
      "1m",
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
    "",
    group(
      "alerting-pipeline",
      "1m",
      "Watchdog always fires: the heartbeat receiver expects it every minute, and its silence means the\npath from rules to Alertmanager to SNS is broken.",
      [
        {
          alert: "Watchdog",
          expr: "vector(1)",
          labels: { severity: "none" },
          annotations: {
            summary: "Alerting pipeline heartbeat",
            description:
              "Always firing. If the heartbeat receiver stops getting it, alerts are not being delivered.",
            runbook_url: runbookUrl("Watchdog"),
          },
        },
      ],
    ),
  ].join("\n")}\n`;
}
