/**
 * The runbooks of the CloudWatch alarms: CodeDeploy's rollback alarms per colour and the load
 * balancer's, and the heartbeat's dead man's switch. Thresholds, windows and metric names come
 * from the same builders that declare the alarms (infra/src/documents/alarms.ts), at the stack
 * config's defaults from alerts/slo.yaml.
 */

import { rollbackDefaults, type SloSpec } from "@comments-platform/slo";
import {
  type AlarmSpec,
  heartbeatAlarm,
  loadBalancerAlarm,
  rollbackAlarms,
} from "../../infra/src/documents/alarms.js";
import { dashboard, escalate, NAME, releaseActions, runbook, STACK, shell } from "./runbook-parts.js";

/** The heartbeat alarm's runbook, by file name: `alarm-heartbeat-missing`. */
export const HEARTBEAT_MISSING = "alarm-heartbeat-missing";

/** The config key that sets each kind of alarm's threshold. */
const KEYS: Record<string, string> = {
  "5xx": "alarm5xxRatio (and alarmMinRequests)",
  p99: "alarmP99Seconds",
  unhealthy: "none: any unhealthy target",
};

/** How long an alarm looks before it fires, in words. */
function windowInWords(spec: AlarmSpec): string {
  const period = (spec.period ?? spec.metricQueries?.[0]?.metric?.period ?? 60) / 60;
  return `${spec.datapointsToAlarm} of ${spec.evaluationPeriods} periods of ${period} minute${period === 1 ? "" : "s"}`;
}

function rollbackRunbook(spec: AlarmSpec, kind: string, colour: string | undefined): [string, string] {
  const alarm = `${NAME}-${spec.suffix}`;
  const who =
    colour === undefined
      ? "the load balancer itself (502, 503, 504 it answers when no target could)"
      : `the ${colour} target group`;
  return [
    `alarm-${spec.suffix}.md`,
    runbook(`${alarm} (CloudWatch alarm, ticket topic)`, [
      [
        "What it means",
        [
          `${spec.description}.`,
          "",
          `It judges ${who}, over ${windowInWords(spec)}; missing data does not breach. The threshold is the stack config key ${KEYS[kind]}; the defaults come from alerts/slo.yaml. CodeDeploy's deployment group lists it: during a release whose new colour it watches, CodeDeploy stops the deployment and moves traffic back by itself. It notifies the ticket topic.`,
        ].join("\n"),
      ],
      [
        "How to confirm it",
        [
          shell(
            `aws cloudwatch describe-alarms --alarm-names ${alarm} --query 'MetricAlarms[0].[StateValue,StateReason]'`,
            `aws cloudwatch describe-alarm-history --alarm-name ${alarm} --history-item-type StateUpdate --max-records 5`,
          ),
          "",
          dashboard("now-3h"),
        ].join("\n"),
      ],
      [
        "What to do",
        [
          "During a release, CodeDeploy has already rolled it back: `pnpm release status --stack prod` shows the deployment Stopped or Failed. Find why in the new revision's logs before releasing again.",
          "",
          "Outside a release (the live colour breaches), it is an incident on the running version: follow CommentsApiAvailabilityBudgetBurnFast.md or CommentsApiLatencyBudgetBurnFast.md, and roll back if a release caused it:",
          "",
          releaseActions,
        ].join("\n"),
      ],
      [
        "When to escalate",
        escalate(
          "It stays in ALARM 15 minutes after a rollback, or no release is involved and the SLO pages fire too.",
        ),
      ],
    ]),
  ];
}

function heartbeatRunbook(): [string, string] {
  const spec = heartbeatAlarm(`${NAME}-heartbeat`);
  const alarm = `${NAME}-heartbeat-missing`;
  const minutes = (spec.period * spec.evaluationPeriods) / 60;
  return [
    `${HEARTBEAT_MISSING}.md`,
    runbook(`${alarm} (CloudWatch alarm, page topic)`, [
      [
        "What it means",
        `${spec.description}. The alarm reads ${spec.namespace} ${spec.metricName} of the topic \`${NAME}-heartbeat\` (${spec.statistic} per ${spec.period / 60} minutes, below ${spec.threshold} in ${spec.datapointsToAlarm} of ${spec.evaluationPeriods} periods, missing data breaching): ${minutes} minutes without one Watchdog. Watchdog comes from the SLO rule group itself, so this also fires when that group is not evaluated.`,
      ],
      [
        "How to confirm it",
        [
          shell(
            `aws cloudwatch get-metric-statistics --namespace AWS/SNS --metric-name NumberOfMessagesPublished \\`,
            `  --dimensions Name=TopicName,Value=${NAME}-heartbeat --statistics Sum --period 300 \\`,
            "  --start-time $(date -u -d '-2 hours' +%FT%TZ) --end-time $(date -u +%FT%TZ)",
            `pulumi stack output contractV1 --stack ${STACK} --json   # prometheusWorkspaceId`,
            "aws amp list-rule-groups-namespaces --workspace-id <prometheusWorkspaceId>",
            "aws amp describe-alert-manager-definition --workspace-id <prometheusWorkspaceId> --query alertManagerDefinition.status",
          ),
          "",
          'In Grafana → Explore, `ALERTS{alertname="Watchdog"}`: present means the rules run and the break is between Alertmanager and SNS (the topic policy must let `aps.amazonaws.com` publish); absent means the SLO rule group is not evaluated.',
        ].join("\n"),
      ],
      [
        "What to do",
        [
          "No alert of this stack reaches anyone until it is fixed: watch the dashboard by hand meanwhile.",
          "",
          dashboard("now-3h"),
          "",
          `A failed \`pulumi up\` may have left the rule namespace or the Alertmanager definition in a failed state (the status above says so): run \`pulumi up --stack ${STACK}\` again from main.`,
        ].join("\n"),
      ],
      [
        "When to escalate",
        escalate("At once if the cause is not found in 30 minutes: the stack pages nobody."),
      ],
    ]),
  ];
}

/** Every CloudWatch alarm's runbook: one per colour and kind, the load balancer's, the heartbeat's. */
export function alarmRunbooks(spec: SloSpec): Array<[string, string]> {
  const defaults = rollbackDefaults(spec);
  const input = {
    loadBalancer: "",
    targetGroup: "",
    max5xxRatio: defaults.alarm5xxRatio,
    minRequests: defaults.alarmMinRequests,
    maxP99Seconds: defaults.alarmP99Seconds,
  };
  const perColour = ["blue", "green"].flatMap((colour) =>
    rollbackAlarms({ ...input, colour }).map((alarm) =>
      rollbackRunbook(alarm, alarm.suffix.replace(`${colour}-`, ""), colour),
    ),
  );
  const elb = loadBalancerAlarm({
    loadBalancer: "",
    max5xxRatio: input.max5xxRatio,
    minRequests: input.minRequests,
  });
  return [...perColour, rollbackRunbook(elb, "5xx", undefined), heartbeatRunbook()];
}
