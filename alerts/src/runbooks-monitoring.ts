/**
 * The runbooks of the alerts about monitoring itself: one task that cannot be scraped, the SLO
 * group's sentinel, and Watchdog. Their rules come from the generated rule file (runbook-parts.ts).
 */
import type { SloSpec } from "@comments-platform/slo";
import { percent, SENTINEL_FOR, sloRulesFailingAlert, taskUnreachableAlert } from "./rules.js";
import {
  alertRules,
  dashboard,
  escalate,
  forStack,
  NAME,
  nest,
  promql,
  releaseActions,
  runbook,
  STACK,
  shell,
  tasks,
} from "./runbook-parts.js";
import { HEARTBEAT_MISSING } from "./runbooks-alarms.js";

const ruleOf = (spec: SloSpec, alert: string) => {
  const rule = alertRules(spec).find((r) => r.alert === alert);
  if (rule === undefined) throw new Error(`the rule file has no alert ${alert}`);
  return rule;
};

/** `pulumi stack output` for the workspace id the AMP commands take. */
const workspace = shell(
  `pulumi stack output contractV1 --stack ${STACK} --json   # prometheusWorkspaceId`,
  "aws amp list-rule-groups-namespaces --workspace-id <prometheusWorkspaceId>",
  "aws amp describe-alert-manager-definition --workspace-id <prometheusWorkspaceId> --query alertManagerDefinition.status",
);

function taskUnreachable(spec: SloSpec): [string, string] {
  const name = taskUnreachableAlert(spec);
  const rule = ruleOf(spec, name);
  const { window, minShare, graceFor } = spec.reachability;
  return [
    `${name}.md`,
    runbook(`${name} (ticket)`, [
      [
        "What it means",
        `One task (its \`aws_ecs_task_arn\` label) that has run ${graceFor} answered under ${percent(minShare)} of its scrapes over ${window}, for ${rule.for}, while the stack as a whole is reachable. ECS replaces a task that fails its load balancer health check, so this one still passes it: its API answers, but not its metrics port, or its collector cannot reach the app. The SLO alerts do not see what this task serves.`,
      ],
      [
        "How to confirm it",
        [
          dashboard("now-3h"),
          "",
          promql(forStack(rule.expr)),
          "",
          "The task and its containers:",
          "",
          tasks,
        ].join("\n"),
      ],
      [
        "What to do",
        [
          "1. The task's `collector/...` log stream says why its scrapes fail; the `app/...` one whether the metrics listener started.",
          "2. Stop the task; the scheduler starts another:",
          "",
          `   ${nest(shell(`aws ecs stop-task --cluster ${NAME} --task <aws_ecs_task_arn>`))}`,
          "",
          "3. New tasks do the same: treat it as a defect of the release.",
          "",
          `   ${nest(releaseActions)}`,
        ].join("\n"),
      ],
      ["When to escalate", escalate("More than one task, or every new task, cannot be scraped.")],
    ]),
  ];
}

function sloRulesFailing(spec: SloSpec): [string, string] {
  const name = sloRulesFailingAlert(spec);
  const rule = ruleOf(spec, name);
  return [
    `${name}.md`,
    runbook(`${name} (page)`, [
      [
        "What it means",
        `The stack serves requests, but not every SLI of the \`${spec.job}-slo\` rule group was recorded at each evaluation for ${SENTINEL_FOR}. A recording rule's query fails (Amazon Managed Prometheus's query limits, a rule file that no longer matches the series), so the burn-rate alerts of the stack read nothing, or a value minutes old: they cannot page. Nothing says users are failing; nothing would say it if they were.`,
      ],
      [
        "How to confirm it",
        [
          "The sentinel's expression (a stack listed has requests but stale or missing SLIs):",
          "",
          promql(forStack(rule.expr)),
          "",
          "Each rule's health and last error are in the workspace's rules API (Grafana → Alerting → Alert rules, data source the stack's Prometheus), and in the workspace's vended logs when logging is on (https://docs.aws.amazon.com/prometheus/latest/userguide/troubleshoot-rule-evaluations.html). The rule groups as deployed:",
          "",
          workspace,
        ].join("\n"),
      ],
      [
        "What to do",
        [
          "1. Watch the service by hand meanwhile: the dashboard's 5xx ratio and latency panels read the raw counters, not the rules.",
          "",
          `   ${nest(dashboard("now-3h"))}`,
          "",
          "2. A rules change went out with the last `pulumi up`? Revert it on main and deploy it; `pnpm alerts` and its promtool cases must pass first.",
          "3. A query that hits a limit: the error names it; the long windows (3d) read the most samples.",
        ].join("\n"),
      ],
      ["When to escalate", escalate("Not fixed within an hour: the stack has no SLO alerting until it is.")],
    ]),
  ];
}

function watchdog(spec: SloSpec): [string, string] {
  return [
    "Watchdog.md",
    runbook("Watchdog (severity none)", [
      [
        "What it means",
        `Always firing, by design, from the \`${spec.job}-slo\` rule group itself: Alertmanager sends it to the stack's heartbeat SNS topic (\`${NAME}-heartbeat\`) every 2 minutes. Nobody needs to read it: the CloudWatch alarm \`${NAME}-heartbeat-missing\` watches the topic's published messages and pages when they stop. A Watchdog message in a mailbox subscribed to that topic is not a problem.`,
      ],
      [
        "How to confirm it",
        [
          "Its rule, the last of the group:",
          "",
          promql(forStack(ruleOf(spec, "Watchdog").expr)),
          "",
          "Prometheus's record of it firing:",
          "",
          promql('ALERTS{alertname="Watchdog", alertstate="firing"}'),
        ].join("\n"),
      ],
      [
        "What to do",
        `Nothing while it arrives. When it stops, \`${NAME}-heartbeat-missing\` pages: ${HEARTBEAT_MISSING}.md.`,
      ],
      ["When to escalate", escalate("Never for Watchdog itself.")],
    ]),
  ];
}

/** TaskUnreachable, the sentinel and Watchdog. */
export function monitoringRunbooks(spec: SloSpec): Array<[string, string]> {
  return [taskUnreachable(spec), sloRulesFailing(spec), watchdog(spec)];
}
