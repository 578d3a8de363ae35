import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { StackConfig } from "../config";
import { heartbeatAlarm } from "../documents/alarms";
import { renderAlertmanagerDefinition } from "../documents/alertmanager";
import { alertTopicPolicy } from "../documents/collector";
import {
  dashboardForDataSource,
  grafanaQueryPolicy,
  prometheusDataSourceSettings,
  prometheusDataSourceType,
  roleAssociations,
  TOKEN_LIFETIME_SECONDS,
  tokenRotationWindow,
} from "../documents/grafana";
import { assumeRolePolicy } from "../documents/iam";
import { named, type Tags } from "./tags";

/** The uid of dashboards/comments-api.json, the dashboard alert messages link to. */
export function serviceDashboardUid(dashboards: Array<{ name: string; json: string }>): string {
  const service = dashboards.find((dashboard) => dashboard.name === "comments-api");
  const uid = service === undefined ? undefined : (JSON.parse(service.json) as { uid?: unknown }).uid;
  if (typeof uid !== "string")
    throw new Error("dashboards/comments-api.json: no dashboard uid for alert messages to link to");
  return uid;
}

/** What the observability component needs: the rule files, the Alertmanager template, the dashboards and the Grafana settings. */
export interface ObservabilityArgs {
  stack: string;
  region: string;
  /** The permissions boundary every role here carries (the deploy role may create no other). */
  permissionsBoundary: pulumi.Input<string>;
  settings: StackConfig["monitoring"];
  /** Every rule file in alerts/rules: one rule-groups namespace each, its data the file's bytes. */
  ruleFiles: Array<{ name: string; content: string }>;
  /** alerts/alertmanager.yaml, with its placeholders. */
  alertmanagerTemplate: string;
  /** Every dashboard in dashboards/, as JSON text. */
  dashboards: Array<{ name: string; json: string }>;
  /** Token of an existing Grafana (settings.grafana.mode "existing"). @default none (managed Grafana mints its own) */
  grafanaToken?: pulumi.Input<string>;
  /** When the token rotation window is computed; a parameter so tests are deterministic. @default the current time */
  now?: Date;
  tags: Tags;
}

/** The alert severities, one SNS topic each. */
export const SEVERITIES = ["page", "ticket", "heartbeat"] as const;

/**
 * Amazon Managed Prometheus with the rules and Alertmanager definition from alerts/, SNS topics per
 * severity, and Grafana (managed or existing) with a folder, the AMP data source and every dashboard.
 */
export class Observability extends pulumi.ComponentResource {
  readonly workspace: aws.amp.Workspace;
  readonly topics: Record<(typeof SEVERITIES)[number], aws.sns.Topic>;
  readonly grafanaUrl: pulumi.Output<string>;
  /** The token the stack's dashboards are deployed with; the release step annotates with it. */
  readonly grafanaToken: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:observability:Observability", name, {}, opts);
    const namespaces = args.ruleFiles.map((f) => f.name);
    if (new Set(namespaces).size !== namespaces.length) {
      throw new Error(
        `Observability ${name}: rule files must have distinct names, got ${namespaces.join(", ")}`,
      );
    }
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;

    this.workspace = new aws.amp.Workspace(
      `${name}-prometheus`,
      { alias: name, tags: named(args.tags, name) },
      parent,
    );
    for (const file of args.ruleFiles) {
      new aws.amp.RuleGroupNamespace(
        `${name}-rules-${file.name}`,
        {
          workspaceId: this.workspace.id,
          name: file.name,
          data: file.content,
          tags: named(args.tags, file.name),
        },
        parent,
      );
    }

    // Alarms notify page (the heartbeat alarm) and ticket (the rollback alarms): those topics let
    // this stack's CloudWatch alarms publish too.
    const alarmPublishers = { region: args.region, alarmNamePrefix: `${name}-` };
    const topic = (severity: (typeof SEVERITIES)[number]) => {
      const created = new aws.sns.Topic(
        `${name}-${severity}`,
        {
          // Fixed: the heartbeat alarm's TopicName dimension and the alarms' SourceArn condition
          // read it. Only a rename (or FIFO, never used) replaces a topic, so nothing collides.
          name: `${name}-${severity}`,
          tags: named({ ...args.tags, severity }, `${name}-${severity}`),
        },
        parent,
      );
      new aws.sns.TopicPolicy(
        `${name}-${severity}`,
        {
          arn: created.arn,
          policy: pulumi
            .all([created.arn, account, this.workspace.arn])
            .apply(([arn, accountId, workspaceArn]) =>
              JSON.stringify(
                alertTopicPolicy(
                  arn,
                  accountId,
                  workspaceArn,
                  severity === "heartbeat" ? undefined : alarmPublishers,
                ),
              ),
            ),
        },
        parent,
      );
      return created;
    };
    this.topics = { page: topic("page"), ticket: topic("ticket"), heartbeat: topic("heartbeat") };
    const heartbeat = heartbeatAlarm(`${name}-heartbeat`);
    new aws.cloudwatch.MetricAlarm(
      `${name}-heartbeat-missing`,
      {
        alarmDescription: heartbeat.description,
        namespace: heartbeat.namespace,
        metricName: heartbeat.metricName,
        dimensions: { TopicName: this.topics.heartbeat.name },
        statistic: heartbeat.statistic,
        period: heartbeat.period,
        evaluationPeriods: heartbeat.evaluationPeriods,
        datapointsToAlarm: heartbeat.datapointsToAlarm,
        comparisonOperator: heartbeat.comparisonOperator,
        threshold: heartbeat.threshold,
        treatMissingData: heartbeat.treatMissingData,
        alarmActions: [this.topics.page.arn],
        okActions: [this.topics.page.arn],
        tags: named(args.tags, `${name}-heartbeat-missing`),
      },
      parent,
    );
    const subscribe = (severity: "page" | "ticket", emails: string[]) =>
      emails.forEach((email, index) => {
        new aws.sns.TopicSubscription(
          `${name}-${severity}-email-${index}`,
          {
            topic: this.topics[severity].arn,
            protocol: "email",
            endpoint: email,
          },
          parent,
        );
      });
    subscribe("page", args.settings.pageEmails);
    // PagerDuty's and Opsgenie's integration URLs confirm an SNS subscription themselves; with
    // endpointAutoConfirms the provider waits for that confirmation instead of leaving it pending
    // (terraform-provider-aws website/docs/r/sns_topic_subscription.html.markdown).
    args.settings.pageHttpsEndpoints.forEach((endpoint, index) => {
      new aws.sns.TopicSubscription(
        `${name}-page-https-${index}`,
        {
          topic: this.topics.page.arn,
          protocol: "https",
          endpoint: pulumi.secret(endpoint),
          endpointAutoConfirms: true,
        },
        parent,
      );
    });
    subscribe("ticket", args.settings.ticketEmails);

    const mode = args.settings.grafana.mode;
    let provider: grafana.Provider;
    if (args.settings.grafana.mode === "managed") {
      const role = new aws.iam.Role(
        `${name}-grafana`,
        {
          assumeRolePolicy: JSON.stringify(assumeRolePolicy("grafana.amazonaws.com")),
          permissionsBoundary: args.permissionsBoundary,
          description: "Amazon Managed Grafana: read the stack's Prometheus workspace",
          tags: named(args.tags, `${name}-grafana`),
        },
        parent,
      );
      new aws.iam.RolePolicy(
        `${name}-grafana`,
        {
          role: role.id,
          policy: this.workspace.arn.apply((arn) => JSON.stringify(grafanaQueryPolicy(arn))),
        },
        parent,
      );
      // Managed Grafana is offered in fewer regions than Prometheus
      // (https://docs.aws.amazon.com/general/latest/gr/grafana.html): the workspace and its service
      // account live where the config says; the data source still signs for this stack's region.
      const grafanaRegion = new aws.Provider(
        `${name}-grafana-region`,
        { region: args.settings.grafana.region as aws.Region },
        parent,
      );
      const inGrafanaRegion = { parent: this, provider: grafanaRegion };
      const workspace = new aws.grafana.Workspace(
        `${name}-grafana`,
        {
          name,
          accountAccessType: "CURRENT_ACCOUNT",
          authenticationProviders: ["AWS_SSO"],
          permissionType: "CUSTOMER_MANAGED",
          roleArn: role.arn,
          dataSources: ["PROMETHEUS"],
          // Pinned: unset, AWS creates its latest, and an upgrade cannot be undone
          // (https://docs.aws.amazon.com/grafana/latest/userguide/AMG-workspace-version-update.html).
          grafanaVersion: args.settings.grafana.version,
          tags: named(args.tags, `${name}-grafana`),
        },
        inGrafanaRegion,
      );
      // Who may sign in, by IAM Identity Center group and workspace role
      // (https://docs.aws.amazon.com/grafana/latest/userguide/AMG-manage-users-and-groups-AMG.html).
      for (const { role: grafanaRole, groupIds } of roleAssociations(args.settings.grafana.groups)) {
        new aws.grafana.RoleAssociation(
          `${name}-grafana-${grafanaRole.toLowerCase()}`,
          { workspaceId: workspace.id, role: grafanaRole, groupIds },
          inGrafanaRegion,
        );
      }
      const account = new aws.grafana.WorkspaceServiceAccount(
        `${name}-pulumi`,
        {
          workspaceId: workspace.id,
          name: "pulumi",
          grafanaRole: "ADMIN",
        },
        inGrafanaRegion,
      );
      // Tokens expire after at most 30 days: a new one, named after the rotation window, replaces it.
      const token = new aws.grafana.WorkspaceServiceAccountToken(
        `${name}-pulumi-token`,
        {
          workspaceId: workspace.id,
          serviceAccountId: account.serviceAccountId,
          name: `pulumi-${tokenRotationWindow(args.now ?? new Date())}`,
          secondsToLive: TOKEN_LIFETIME_SECONDS,
        },
        inGrafanaRegion,
      );
      this.grafanaUrl = pulumi.interpolate`https://${workspace.endpoint}`;
      this.grafanaToken = pulumi.secret(token.key);
      provider = new grafana.Provider(`${name}-grafana`, { url: this.grafanaUrl, auth: token.key }, parent);
    } else {
      if (args.grafanaToken === undefined)
        throw new Error(`Observability ${name}: grafanaMode existing needs grafanaToken`);
      this.grafanaUrl = pulumi.output(args.settings.grafana.url);
      this.grafanaToken = pulumi.secret(args.grafanaToken);
      provider = new grafana.Provider(
        `${name}-grafana`,
        { url: this.grafanaUrl, auth: args.grafanaToken },
        parent,
      );
    }

    new aws.amp.AlertManagerDefinition(
      `${name}-alertmanager`,
      {
        workspaceId: this.workspace.id,
        definition: pulumi
          .all([this.topics.page.arn, this.topics.ticket.arn, this.topics.heartbeat.arn, this.grafanaUrl])
          .apply(([page, ticket, heartbeat, grafanaUrl]) =>
            renderAlertmanagerDefinition(args.alertmanagerTemplate, {
              PAGE_TOPIC_ARN: page,
              TICKET_TOPIC_ARN: ticket,
              HEARTBEAT_TOPIC_ARN: heartbeat,
              AWS_REGION: args.region,
              // The link in every alert message: the service dashboard, by its fixed uid.
              DASHBOARD_URL: `${grafanaUrl}/d/${serviceDashboardUid(args.dashboards)}`,
            }),
          ),
      },
      parent,
    );

    const onGrafana = { parent: this, provider };
    const dataSourceType = prometheusDataSourceType(args.settings.grafana.version);
    const folder = new grafana.oss.Folder(
      `${name}-folder`,
      { title: `Comments API (${args.stack})`, uid: name },
      onGrafana,
    );
    const dataSource = new grafana.oss.DataSource(
      `${name}-prometheus`,
      {
        name: `Amazon Managed Prometheus (${args.stack})`,
        uid: `${name}-amp`,
        type: dataSourceType,
        url: this.workspace.prometheusEndpoint,
        isDefault: true,
        jsonDataEncoded: JSON.stringify(prometheusDataSourceSettings(args.region, mode)),
      },
      onGrafana,
    );
    for (const dashboard of args.dashboards) {
      new grafana.oss.Dashboard(
        `${name}-dashboard-${dashboard.name}`,
        {
          folder: folder.uid,
          configJson: dashboardForDataSource(dashboard.json, dataSourceType),
          overwrite: true,
        },
        { ...onGrafana, dependsOn: [dataSource] },
      );
    }
    this.registerOutputs({ workspaceId: this.workspace.id, grafanaUrl: this.grafanaUrl });
  }
}
