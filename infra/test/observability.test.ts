/** Monitoring deployed by the same `pulumi up`: stage under mocks, plus the pure builders. */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderAlertmanagerDefinition } from "../src/documents/alertmanager";
import { COLLECTOR_IMAGE, collectorConfig } from "../src/documents/collector";
import { dashboardForDataSource, tokenRotationWindow } from "../src/documents/grafana";
import { readMonitoringFiles } from "../src/monitoring-files";
import { type SynthResult, synth } from "../src/synth/run";
import { ofType, one } from "./helpers";

const files = readMonitoringFiles();
const topicArn = (severity: string) => `arn:aws:sns:sa-east-1:123456789012:comments-api-stage-${severity}`;
const workspaceArn = "arn:aws:amp:sa-east-1:123456789012:comments-api-stage-prometheus";
let result: SynthResult;
beforeAll(async () => {
  result = await synth({ stack: "stage", preview: false });
});

describe("monitoring in the stage stack", () => {
  it("creates one rule-groups namespace per rule file, its data the file byte for byte", () => {
    expect(
      ofType(result, "aws:amp/ruleGroupNamespace:RuleGroupNamespace").map((n) => [
        n.inputs.name,
        n.inputs.data,
      ]),
    ).toEqual(files.ruleFiles.map((f) => [f.name, f.content]));
    expect(files.ruleFiles.map((f) => f.name)).toEqual(["comments-api"]);
  });

  it("deploys every dashboard file as is, into the stack's folder", () => {
    expect(
      ofType(result, "grafana:oss/dashboard:Dashboard").map((d) => [
        d.name,
        d.inputs.configJson,
        d.inputs.folder,
      ]),
    ).toEqual(
      files.dashboards.map((d) => [
        `comments-api-stage-dashboard-${d.name}`,
        // Grafana 12: the dashboards' data source variable and references name the AMP plugin.
        dashboardForDataSource(d.json, "grafana-amazonprometheus-datasource"),
        "comments-api-stage",
      ]),
    );
    expect(one(result, "grafana:oss/dataSource:DataSource").inputs).toMatchObject({
      type: "grafana-amazonprometheus-datasource",
      isDefault: true,
      url: expect.stringMatching(
        /^https:\/\/aps-workspaces\.sa-east-1\.amazonaws\.com\/workspaces\/ws-[0-9a-f]{8}\/$/,
      ),
      jsonDataEncoded: JSON.stringify({
        httpMethod: "POST",
        sigV4Auth: true,
        sigV4AuthType: "ec2_iam_role",
        sigV4Region: "sa-east-1",
      }),
    });
  });

  it("puts the stack's topics and its dashboard's URL into the Alertmanager definition from alerts/", () => {
    const definition = String(
      one(result, "aws:amp/alertManagerDefinition:AlertManagerDefinition").inputs.definition,
    );
    // The managed workspace's endpoint (us-east-1: Grafana is not offered in sa-east-1), then the
    // service dashboard's uid.
    const dashboardUrl = /(https:\/\/\S+)\?\{\{ with \.Labels\.stack \}\}var-stack=/.exec(definition)?.[1];
    expect(dashboardUrl).toMatch(
      /^https:\/\/g-[0-9a-f]{8}\.grafana-workspace\.us-east-1\.amazonaws\.com\/d\/comments-api-service$/,
    );
    expect(definition).toBe(
      renderAlertmanagerDefinition(files.alertmanagerTemplate, {
        PAGE_TOPIC_ARN: topicArn("page"),
        TICKET_TOPIC_ARN: topicArn("ticket"),
        HEARTBEAT_TOPIC_ARN: topicArn("heartbeat"),
        AWS_REGION: "sa-east-1",
        DASHBOARD_URL: dashboardUrl ?? "",
      }),
    );
  });

  // The topic policies are compared whole, for both stacks, in plan.test.ts.
  it("e-mails tickets as configured", () => {
    expect(
      ofType(result, "aws:sns/topicSubscription:TopicSubscription").map((s) => [
        s.name,
        s.inputs.protocol,
        s.inputs.endpoint,
      ]),
    ).toEqual([["comments-api-stage-ticket-email-0", "email", "comments-team@example.com"]]);
  });

  it("runs the collector beside the app, allowed to remote-write to this workspace only", () => {
    const containers = JSON.parse(
      String(one(result, "aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions),
    ) as Array<Record<string, unknown>>;
    const collector = containers[1] as {
      name: string;
      image: string;
      essential: boolean;
      environment: Array<{ name: string; value: string }>;
    };
    expect([collector.name, collector.image, collector.essential]).toEqual([
      "metrics-collector",
      COLLECTOR_IMAGE,
      false,
    ]);
    const endpoint = String(one(result, "grafana:oss/dataSource:DataSource").inputs.url);
    expect(parse(collector.environment[0]?.value ?? "")).toEqual(
      collectorConfig({
        stack: "stage",
        region: "sa-east-1",
        metricsPort: 9464,
        prometheusEndpoint: endpoint,
      }),
    );
    const remoteWrite = ofType(result, "aws:iam/rolePolicy:RolePolicy").find(
      (p) => p.name === "comments-api-stage-task-remote-write",
    );
    expect(JSON.parse(String(remoteWrite?.inputs.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "RemoteWrite", Effect: "Allow", Action: ["aps:RemoteWrite"], Resource: workspaceArn },
      ],
    });
  });

  it("creates Managed Grafana with a 30-day token named after its rotation window", () => {
    expect(one(result, "aws:grafana/workspace:Workspace").inputs).toMatchObject({
      authenticationProviders: ["AWS_SSO"],
      permissionType: "CUSTOMER_MANAGED",
      dataSources: ["PROMETHEUS"],
      // Pinned, never AWS's latest by default.
      grafanaVersion: "12.4",
    });
    // The committed stack assigns no Identity Center group (docs/deploy.md: set them before the first up).
    expect(ofType(result, "aws:grafana/roleAssociation:RoleAssociation")).toEqual([]);
    expect(
      one(result, "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken").inputs,
    ).toMatchObject({
      name: expect.stringMatching(/^pulumi-w\d+$/),
      secondsToLive: 2_592_000,
    });
  });
});

describe("tokenRotationWindow", () => {
  it("changes every 25 days and never within a window", () => {
    const day = 24 * 3600 * 1000;
    expect(tokenRotationWindow(new Date(0))).toBe("w0");
    expect(tokenRotationWindow(new Date(25 * day - 1))).toBe("w0");
    expect(tokenRotationWindow(new Date(25 * day))).toBe("w1");
    expect(tokenRotationWindow(new Date("2026-11-22T00:00:00Z"))).toBe("w831");
  });
});

describe("collectorConfig", () => {
  it("scrapes the app on localhost with the job and stack labels, labels each task, and remote-writes with SigV4", () => {
    const config = collectorConfig({
      stack: "prod",
      region: "sa-east-1",
      metricsPort: 9464,
      prometheusEndpoint: "https://aps-workspaces.sa-east-1.amazonaws.com/workspaces/ws-1/",
    }) as Record<string, Record<string, unknown>>;
    expect(config.receivers).toEqual({
      prometheus: {
        config: {
          global: { scrape_interval: "15s", scrape_timeout: "10s" },
          scrape_configs: [
            {
              job_name: "comments-api",
              metrics_path: "/metrics",
              static_configs: [{ targets: ["127.0.0.1:9464"], labels: { stack: "prod" } }],
            },
          ],
        },
      },
    });
    expect(config.exporters).toEqual({
      prometheusremotewrite: {
        endpoint: "https://aps-workspaces.sa-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
        auth: { authenticator: "sigv4auth" },
        resource_to_telemetry_conversion: { enabled: true },
      },
    });
    const detection = (
      config.processors as {
        resourcedetection: { ecs: { resource_attributes: Record<string, { enabled: boolean }> } };
      }
    ).resourcedetection.ecs.resource_attributes;
    expect(
      Object.entries(detection)
        .filter(([, v]) => v.enabled)
        .map(([k]) => k),
    ).toEqual(["aws.ecs.task.arn", "aws.ecs.task.revision"]);
    expect(config.extensions).toEqual({
      sigv4auth: { region: "sa-east-1", service: "aps" },
      health_check: {},
    });
  });
});
