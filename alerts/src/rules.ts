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
} from "@comments-platform/slo";
import {
  badInWords,
  burnAlertName,
  level,
  number,
  percent,
  ratioRecord,
  runbookUrl,
  SENTINEL_FOR,
  SLO_GROUP_INTERVAL,
  sloRulesFailingAlert,
  taskUnreachableAlert,
  unreachableAlert,
  watchdogAnnotations,
  windowLabel,
  windows,
} from "./names.js";
import { grownUpShare, sentinelExpr } from "./watch-rules.js";

export * from "./names.js";
export { grownUpShare, sentinelExpr } from "./watch-rules.js";

const cap = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

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
