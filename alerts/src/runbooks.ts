/**
 * The runbooks of the Prometheus alerts, generated from alerts/slo.yaml through the rule file
 * itself: windows, thresholds, `for` and the PromQL a runbook shows are read from the rules
 * `pnpm alerts` writes, so they cannot drift from what pages. The CloudWatch alarms' runbooks are
 * in runbooks-alarms.ts.
 */
import { durationSeconds, type Objective, type SloSpec, withJob } from "@comments-platform/slo";
import {
  badInWords,
  burnAlertName,
  number,
  percent,
  taskUnreachableAlert,
  unreachableAlert,
} from "./rules.js";
import {
  alertRules,
  dashboard,
  escalate,
  forStack,
  logs,
  NAME,
  nest,
  promql,
  releaseActions,
  runbook,
  STACK,
  scaleOut,
  shell,
  tasks,
} from "./runbook-parts.js";
import { alarmRunbooks } from "./runbooks-alarms.js";
import { monitoringRunbooks } from "./runbooks-monitoring.js";

/** `6h` → `12h`: a dashboard range that shows the long window and as much before it. */
const twice = (window: string) => {
  const match = /^(\d+)(\w+)$/.exec(window);
  return match === null ? window : `${Number(match[1]) * 2}${match[2]}`;
};

function burnRunbook(spec: SloSpec, objective: Objective, severity: "page" | "ticket"): [string, string] {
  const name = burnAlertName(spec, objective, severity);
  const rules = alertRules(spec).filter((r) => r.alert === name);
  const pairs = spec.burnRates.filter((p) => p.severity === severity);
  const longest = pairs.reduce((a, b) =>
    (durationSeconds(b.long) ?? 0) > (durationSeconds(a.long) ?? 0) ? b : a,
  );
  const bad = badInWords(objective);
  const total = withJob(objective.total, spec.job);
  const raw =
    objective.bad === undefined
      ? `1 - sum(rate(${withJob(objective.good ?? "", spec.job)}[${longest.long}])) / sum(rate(${total}[${longest.long}]))`
      : `sum(rate(${withJob(objective.bad, spec.job)}[${longest.long}])) / sum(rate(${total}[${longest.long}]))`;
  const breakdown =
    objective.bad === undefined
      ? `histogram_quantile(0.99, sum by (le, route) (rate(${withJob(objective.total, spec.job).replace("_count{", "_bucket{")}[5m])))`
      : `sum by (route, status_code) (rate(${withJob(objective.bad, spec.job)}[5m]))`;
  const meaning = [
    `The ${objective.name} objective: ${percent(objective.objective)} of requests not ${bad} over ${spec.period}, so`,
    `${percent(objective.budget)} of them may be (the error budget). This alert fires when, in the stack of`,
    "the alert's `stack` label, one of these window pairs burns the budget",
    "faster than its rate, on both windows (the long one says it really burns, the short one that it",
    "still does), for the time given:",
    "",
    "| `window` label | over the long window | and over the short one | for | budget gone in |",
    "| --- | --- | --- | --- | --- |",
    ...pairs.map((p) => {
      const days = Number(((durationSeconds(spec.period) ?? 0) / 86400 / p.burnRate).toFixed(1));
      const share = `more than ${percent(p.burnRate * objective.budget)} ${bad}`;
      return `| \`${p.long}/${p.short}\` | ${share} over the last ${p.long} | and over the last ${p.short} | ${p.for} | ${number(days)} days (${number(p.burnRate)}x) |`;
    }),
    "",
    severity === "page"
      ? "Users are affected now: act on it now."
      : `Nothing is on fire, but the ${spec.period} objective will be missed if it goes on. While a page of the same SLO fires in the stack, this ticket is inhibited.`,
  ].join("\n");
  const confirm = [
    dashboard(`now-${twice(longest.long)}`),
    "",
    "The alert's own expressions, for the stack (each pair is one rule; the message's `window` says which fired):",
    "",
    ...rules.flatMap((r) => [promql(`# ${r.labels?.window}, for ${r.for}`, forStack(r.expr)), ""]),
    `The same ratio from the raw counters, without the recording rules (over ${longest.long}):`,
    "",
    promql(forStack(raw)),
    "",
    objective.bad === undefined
      ? "Which route is slow (p99 by route, 5m):"
      : "Which route and status code fail (5m):",
    "",
    promql(forStack(breakdown)),
  ].join("\n");
  const act =
    severity === "page"
      ? [
          `1. ${nest(releaseActions)}`,
          objective.bad === undefined
            ? "2. Saturated tasks (dashboard, Saturation row: CPU per task near 1, event loop lag p99 above 100 ms)? Scale out:"
            : "2. 503 on every route means the database: RDS console → the instance's events, CPU, connections, a failover. 500 is a bug: find it in the logs. 502/504 come from the load balancer (tasks gone or too slow): see CommentsApiUnreachable.",
          "",
          objective.bad === undefined ? `   ${nest(scaleOut)}` : `   ${nest(logs)}`,
          "",
          objective.bad === undefined
            ? "3. The database slow (RDS console: CPU, read and write latency, connections, events)? Escalate: a bigger instance class (`dbInstanceClass`) is a database change, not an on-call fix."
            : `3. Saturated tasks (CPU per task near 1, event loop lag p99 above 100 ms)? ${scaleOut.split("\n")[0]} (see the scale-out steps in CommentsApiLatencyBudgetBurnFast.md).`,
        ].join("\n")
      : [
          `1. Find when it started and where: the dashboard over the last ${twice(longest.long)}, the breakdown above. A release at that time? \`pnpm release status --stack ${STACK}\` lists the revision; roll it back with \`pnpm release rollback --stack ${STACK}\` if it is the cause.`,
          `2. ${nest(logs)}`,
          "3. File the fix; close the ticket when the long window's ratio is back under the budget.",
        ].join("\n");
  const when =
    severity === "page"
      ? escalate(
          "The burn goes on 15 minutes after a rollback, or there was no release to roll back.",
          "The database is down, failing over, or out of storage or connections.",
          "The dashboard's budget left (SLO status row) falls under 50%.",
        )
      : escalate(
          "The budget left falls under 25%, or the ratio keeps rising for a day.",
          "The cause is outside the service (database, network, AWS): say so on the ticket and hand it over.",
        );
  return [
    `${name}.md`,
    runbook(`${name} (${severity})`, [
      ["What it means", meaning],
      ["How to confirm it", confirm],
      ["What to do", act],
      ["When to escalate", when],
    ]),
  ];
}

function unreachableRunbook(spec: SloSpec): [string, string] {
  const name = unreachableAlert(spec);
  const rules = alertRules(spec).filter((r) => r.alert === name);
  const { window, minShare, graceFor } = spec.reachability;
  const reasons: Record<string, string> = {
    scrapes_failing: `under ${percent(minShare)} of the scrapes of the stack's tasks answered over ${window}, averaged over the tasks that have run ${graceFor} (a new task is still starting): the app hangs, crashed while its collector runs, or flaps.`,
    silent:
      "no task of the stack has reported at all: every task and its collector are gone, or remote write to Amazon Managed Prometheus fails.",
    never_heard: "no task of any stack has reported to the workspace for a day, or ever.",
  };
  return [
    `${name}.md`,
    runbook(`${name} (page)`, [
      [
        "What it means",
        [
          "Prometheus cannot see the stack, so the SLO alerts cannot either. The `reason` label says which rule fired:",
          "",
          ...rules.map(
            (r) => `- \`${r.labels?.reason}\` (for ${r.for}): ${reasons[r.labels?.reason ?? ""] ?? ""}`,
          ),
          "",
          `One task of several that answers too few scrapes is ${taskUnreachableAlert(spec)}, a ticket.`,
        ].join("\n"),
      ],
      [
        "How to confirm it",
        [
          dashboard("now-3h"),
          "",
          ...rules.flatMap((r) => [promql(`# reason ${r.labels?.reason}`, forStack(r.expr)), ""]),
          "Does the API answer? (`url` is in the same contract.)",
          "",
          shell("curl -sS -o /dev/null -w '%{http_code}\\n' <url>/healthz"),
          "",
          "The service's tasks and why the last ones stopped (OOM, failed health checks, image pull):",
          "",
          tasks,
        ].join("\n"),
      ],
      [
        "What to do",
        [
          `1. ${nest(releaseActions)}`,
          "2. The API answers but metrics are missing: the collector path. Its log stream `collector/...`, its role's `aps:RemoteWrite` on the workspace.",
          "3. A task that is stuck: stop it, and the scheduler starts another (a CODE_DEPLOY service refuses `update-service --force-new-deployment`):",
          "",
          `   ${nest(shell(`aws ecs stop-task --cluster ${NAME} --task <task ARN>`))}`,
        ].join("\n"),
      ],
      [
        "When to escalate",
        escalate(
          "The API does not answer and a rollback did not bring it back within 15 minutes.",
          "`silent` or `never_heard` while the API answers: monitoring is blind; page whoever owns the AWS account's networking and AMP.",
        ),
      ],
    ]),
  ];
}

/** The runbooks of every alert and alarm: file name under alerts/runbooks → text. */
export function runbookFiles(spec: SloSpec): Record<string, string> {
  const files: Array<[string, string]> = [];
  for (const objective of spec.objectives) {
    for (const severity of ["page", "ticket"] as const) {
      if (spec.burnRates.some((p) => p.severity === severity))
        files.push(burnRunbook(spec, objective, severity));
    }
  }
  files.push(unreachableRunbook(spec), ...monitoringRunbooks(spec), ...alarmRunbooks(spec));
  return Object.fromEntries(files.sort(([a], [b]) => a.localeCompare(b)));
}
