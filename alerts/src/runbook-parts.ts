/**
 * The pieces every runbook shares: where the dashboard is, how to look at a release, roll it back,
 * stop a deployment, scale, and when to call for help. Names come from the code that creates the
 * resources (the dashboard's uid; the stack's base name, pinned by a test), so a rename changes every
 * runbook or fails a test.
 */

import type { SloSpec } from "@comments-platform/slo";
import { parse } from "yaml";
import { DASHBOARD_UID as SERVICE_DASHBOARD_UID } from "../../dashboards/src/comments-api.js";
import { rulesFile } from "./rules.js";

/** The stack the commands name: prod pages; a stage alert replaces it with stage. */
export const STACK = "prod";
/**
 * `comments-api-prod`: the cluster, service, CodeDeploy application and deployment group, as
 * infra/src/config/stack.ts's baseName names them (infra/test/runbook-names.test.ts pins the two together;
 * importing the config here would pull the program's config into this project's typecheck).
 */
export const NAME = `comments-api-${STACK}`;
const DASHBOARD_UID = SERVICE_DASHBOARD_UID;

/** An alerting rule of the generated file. */
export interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}

/** Every alerting rule of the generated file. */
export const alertRules = (spec: SloSpec): Rule[] =>
  (parse(rulesFile(spec)) as { groups: Array<{ rules: Rule[] }> }).groups
    .flatMap((g) => g.rules)
    .filter((r) => r.alert !== undefined);

/**
 * An expression as the on-call engineer runs it: for the stack they were paged about. Raw series
 * (`{job="...`) and recorded ones (`comments_api:...` without matchers) get the stack matcher.
 */
export const forStack = (expr: string) =>
  expr
    .trim()
    .replaceAll('{job="', `{stack="${STACK}",job="`)
    .replace(/\b([a-z_]+:[a-z_]+:[a-z_0-9]+)(?![\w{:])/g, `$1{stack="${STACK}"}`);

/** Indents every line but the first by `spaces`, leaving empty lines empty (a list item's body). */
export const nest = (text: string, spaces = 3) =>
  text
    .split("\n")
    .map((line, i) => (i === 0 || line === "" ? line : " ".repeat(spaces) + line))
    .join("\n");

/** A fenced shell block. */
export const shell = (...lines: string[]) => ["```sh", ...lines, "```"].join("\n");
/** A fenced PromQL block. */
export const promql = (...lines: string[]) => ["```promql", ...lines, "```"].join("\n");

/** How to open the service dashboard for the stack over `from` (a Grafana relative time, like now-6h). */
export function dashboard(from: string): string {
  return [
    "The stack's Grafana is in its contract (`grafanaUrl`):",
    "",
    shell(`pulumi stack output contractV1 --stack ${STACK} --json`),
    "",
    `Then open \`<grafanaUrl>/d/${DASHBOARD_UID}?var-stack=${STACK}&from=${from}&to=now\`, or follow the`,
    "**Dashboard** link of the alert's message (it spans the alert's own time). PromQL below runs in",
    "Grafana → Explore, on the stack's Prometheus data source.",
  ].join("\n");
}

/** Is a release going out, and how to undo it. */
export const releaseActions = [
  "Is a release going out, or did one just finish? The release CLI says which revision runs and",
  "which deployments are in progress:",
  "",
  shell(`pnpm release status --stack ${STACK}`),
  "",
  "If the trouble started with it, roll it back: a deployment in progress is stopped with rollback,",
  "otherwise the previous revision is deployed again.",
  "",
  shell(`pnpm release rollback --stack ${STACK}`),
  "",
  "Without the repository at hand, stop a running deployment with the AWS CLI (CodeDeploy then moves",
  "traffic back to the previous task set;",
  "https://docs.aws.amazon.com/cli/latest/reference/deploy/stop-deployment.html):",
  "",
  shell(
    `aws deploy list-deployments --application-name ${NAME} --deployment-group-name ${NAME} \\`,
    "  --include-only-statuses Created Queued InProgress Ready --query deployments --output text",
    "aws deploy stop-deployment --auto-rollback-enabled --deployment-id <d-XXXXXXXXX>",
  ),
].join("\n");

/** Scale out through the stack config: autoscaling owns the running count. */
export const scaleOut = [
  "Scale out through the stack's config, never by hand in the console: autoscaling owns the task",
  "count and `pulumi up` would undo a manual change. Raise the floor (`minTasks`; `maxTasks` is the",
  "ceiling), apply, and commit `Pulumi.prod.yaml` so the next deploy from main keeps it:",
  "",
  shell(
    `pulumi config set minTasks 6 --stack ${STACK}   # today's value: Pulumi.${STACK}.yaml`,
    `pulumi up --stack ${STACK}`,
  ),
].join("\n");

/** Where the service's logs are, per task. */
export const logs = [
  `Logs: CloudWatch log group \`/ecs/${NAME}\`, streams \`app/...\` (the API) and \`collector/...\``,
  "(the metrics sidecar):",
  "",
  shell(`aws logs tail /ecs/${NAME} --since 30m --filter-pattern '{ $.level >= 50 }'`),
].join("\n");

/** The stack's tasks, and why the last ones stopped. */
export const tasks = shell(
  `aws ecs describe-services --cluster ${NAME} --services ${NAME} \\`,
  "  --query 'services[0].{running:runningCount,desired:desiredCount,events:events[:5].message}'",
  `aws ecs list-tasks --cluster ${NAME} --desired-status STOPPED --query taskArns --output text`,
  `aws ecs describe-tasks --cluster ${NAME} --tasks <task ARN> --query 'tasks[].[stoppedReason,containers[].reason]'`,
);

/** The escalation section's body: when, and to whom. */
export function escalate(...when: string[]): string {
  return [
    ...when.map((line) => `- ${line}`),
    "- Whatever the cause, tell the service's owners (the stack's `owner` tag) what you saw and did.",
  ].join("\n");
}

/** A runbook: the title line the alert names, then its sections. */
export function runbook(title: string, sections: Array<[heading: string, body: string]>): string {
  return `${[
    `# ${title}`,
    "",
    "<!-- GENERATED by `pnpm alerts` from alerts/slo.yaml and infra/src/documents/alarms.ts: edit alerts/src/runbooks*.ts, not this file. -->",
    "",
    ...sections.flatMap(([heading, body]) => (heading === "" ? [body, ""] : [`## ${heading}`, "", body, ""])),
  ]
    .join("\n")
    .trimEnd()}\n`;
}
