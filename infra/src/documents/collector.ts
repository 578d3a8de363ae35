/**
 * The metrics collector sidecar (AWS Distro for OpenTelemetry): scrapes the app on localhost and
 * remote-writes to the stack's Amazon Managed Prometheus workspace with SigV4. The config is built
 * here as a value and handed to the container in AOT_CONFIG_CONTENT.
 */
import { stringify } from "yaml";
import type { ContainerDefinition } from "./containers";

/**
 * ADOT collector image, pinned to a release. Pin by digest as well when building production images
 * (`...:v0.43.3@sha256:...`); there is no registry access from our machines to look it up.
 */
export const COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
/** The collector sidecar's container name. */
export const COLLECTOR_CONTAINER = "metrics-collector";
/** The job label the rules and dashboards select on. */
export const SCRAPE_JOB = "comments-api";

/**
 * Seconds between two scrapes of a task by its collector. The reachability rules sample `up` at
 * this resolution (alerts/src/rules.ts), so each scrape counts once.
 */
export const SCRAPE_INTERVAL_SECONDS = 15;

/** What the collector's config is built from. */
export interface CollectorInput {
  stack: string;
  region: string;
  /** The app's metrics listener, on the task's localhost. */
  metricsPort: number;
  /** `https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/` */
  prometheusEndpoint: string;
  /** @default SCRAPE_INTERVAL_SECONDS (15) */
  scrapeIntervalSeconds?: number;
}

/** The ADOT collector's configuration: scrape the app's metrics port on localhost, label each task, remote-write with SigV4. */
export function collectorConfig(input: CollectorInput): Record<string, unknown> {
  const interval = `${input.scrapeIntervalSeconds ?? SCRAPE_INTERVAL_SECONDS}s`;
  return {
    extensions: {
      sigv4auth: { region: input.region, service: "aps" },
      health_check: {},
    },
    receivers: {
      prometheus: {
        config: {
          global: { scrape_interval: interval, scrape_timeout: "10s" },
          scrape_configs: [
            {
              job_name: SCRAPE_JOB,
              metrics_path: "/metrics",
              static_configs: [
                { targets: [`127.0.0.1:${input.metricsPort}`], labels: { stack: input.stack } },
              ],
            },
          ],
        },
      },
    },
    processors: {
      // Every task scrapes "127.0.0.1": without a label of its own, two tasks would write the same
      // series and AMP would reject one. The ECS detector names the task (its ARN) and its task
      // definition revision, so a release's analysis can select the new revision's series.
      resourcedetection: {
        detectors: ["ecs"],
        ecs: {
          resource_attributes: Object.fromEntries(
            ECS_ATTRIBUTES.map((name) => [name, { enabled: KEPT_ATTRIBUTES.includes(name) }]),
          ),
        },
      },
      batch: { timeout: "10s" },
    },
    exporters: {
      prometheusremotewrite: {
        endpoint: `${input.prometheusEndpoint.replace(/\/$/, "")}/api/v1/remote_write`,
        auth: { authenticator: "sigv4auth" },
        // Resource attributes become labels: aws.ecs.task.arn → aws_ecs_task_arn,
        // aws.ecs.task.revision → aws_ecs_task_revision.
        resource_to_telemetry_conversion: { enabled: true },
      },
    },
    service: {
      extensions: ["sigv4auth", "health_check"],
      pipelines: {
        metrics: {
          receivers: ["prometheus"],
          processors: ["resourcedetection", "batch"],
          exporters: ["prometheusremotewrite"],
        },
      },
    },
  };
}

/** The attributes kept as labels: the task, and the revision a release's analysis selects on. */
const KEPT_ATTRIBUTES = ["aws.ecs.task.arn", "aws.ecs.task.revision"];

/** The ECS detector's attributes; all but KEPT_ATTRIBUTES are switched off to keep label sets small. */
const ECS_ATTRIBUTES = [
  "aws.ecs.cluster.arn",
  "aws.ecs.launchtype",
  "aws.ecs.task.arn",
  "aws.ecs.task.family",
  "aws.ecs.task.id",
  "aws.ecs.task.revision",
  "aws.log.group.arns",
  "aws.log.group.names",
  "aws.log.stream.arns",
  "aws.log.stream.names",
  "cloud.account.id",
  "cloud.availability_zone",
  "cloud.platform",
  "cloud.provider",
  "cloud.region",
] as const;

/** The collector sidecar's container definition, its config in AOT_CONFIG_CONTENT. */
export function collectorContainer(input: CollectorInput & { logGroup: string }): ContainerDefinition {
  return {
    name: COLLECTOR_CONTAINER,
    image: COLLECTOR_IMAGE,
    // Metrics are not worth a task: if the collector dies, the app keeps serving and CommentsApiUnreachable pages.
    essential: false,
    user: "10001:10001",
    readonlyRootFilesystem: true,
    environment: [
      { name: "AOT_CONFIG_CONTENT", value: stringify(collectorConfig(input), { sortMapEntries: true }) },
    ],
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": input.logGroup,
        "awslogs-region": input.region,
        "awslogs-stream-prefix": "collector",
      },
    },
  };
}

/** The task role's one permission: remote-write to this workspace. */
export function remoteWritePolicy(workspaceArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "RemoteWrite", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: workspaceArn }],
  };
}

/** Who besides Prometheus may publish to a topic: this account's CloudWatch alarms of one stack. */
export interface AlarmPublishers {
  region: string;
  /** Alarm names start with it (`comments-api-prod-`): other stacks' alarms may not publish. */
  alarmNamePrefix: string;
}

/**
 * SNS topic policy letting Amazon Managed Prometheus (this account's workspace only) publish and,
 * for topics alarms notify, this stack's CloudWatch alarms. A TopicPolicy replaces the topic's
 * default policy, so CloudWatch needs its own statement
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html),
 * scoped with aws:SourceAccount and aws:SourceArn against the confused deputy
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html).
 */
export function alertTopicPolicy(
  topicArn: string,
  accountId: string,
  workspaceArn: string,
  alarms?: AlarmPublishers,
): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowPrometheusAlertmanager",
        Effect: "Allow",
        Principal: { Service: "aps.amazonaws.com" },
        Action: ["sns:Publish", "sns:GetTopicAttributes"],
        Resource: topicArn,
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ArnEquals: { "aws:SourceArn": workspaceArn },
        },
      },
      ...(alarms === undefined
        ? []
        : [
            {
              Sid: "AllowCloudWatchAlarms",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topicArn,
              Condition: {
                StringEquals: { "aws:SourceAccount": accountId },
                ArnLike: {
                  "aws:SourceArn": `arn:aws:cloudwatch:${alarms.region}:${accountId}:alarm:${alarms.alarmNamePrefix}*`,
                },
              },
            },
          ]),
    ],
  };
}
