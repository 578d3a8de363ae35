/** The prod stack under Pulumi mocks: what differs from stage, and why. */
import { beforeAll, describe, expect, it } from "vitest";
import { type SynthResult, synth, urnsOf } from "../src/synth/run";
import { countByType, firewallTable, ofType, one } from "./helpers";

let result: SynthResult;
beforeAll(async () => {
  result = await synth({ stack: "prod", preview: false });
});

describe("prod", () => {
  it("spreads over three zones with a NAT gateway in each", () => {
    expect(countByType(result)).toMatchObject({
      "aws:ec2/subnet:Subnet": 9,
      "aws:ec2/eip:Eip": 3,
      "aws:ec2/natGateway:NatGateway": 3,
      "aws:ec2/routeTable:RouteTable": 5,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 9,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 7,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 5,
    });
    expect(result.resources).toHaveLength(127);
    const privateRoutes = ofType(result, "aws:ec2/routeTable:RouteTable").filter((t) =>
      t.name.includes("-private-"),
    );
    expect(privateRoutes.map((t) => t.inputs.routes)).toEqual(
      [0, 1, 2].map((i) => [{ cidrBlock: "0.0.0.0/0", natGatewayId: `comments-api-prod-nat-${i}-id` }]),
    );
  });

  it("puts a web ACL on the ALB: 429 past 2000 requests per client in 5 minutes, AWS's common rules", () => {
    const acl = one(result, "aws:wafv2/webAcl:WebAcl");
    expect(acl.inputs).toMatchObject({
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      customResponseBodies: [
        {
          key: "rate-limited",
          contentType: "APPLICATION_JSON",
          content:
            '{"status":"TOO-MANY-REQUESTS","message":"rate limit: at most 2000 requests in 5 minutes per client; retry after Retry-After seconds"}',
        },
      ],
      rules: [
        {
          name: "rate-per-client",
          priority: 0,
          statement: {
            rateBasedStatement: { limit: 2000, aggregateKeyType: "IP", evaluationWindowSec: 300 },
          },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: "rate-limited",
                responseHeaders: [{ name: "retry-after", value: "300" }],
              },
            },
          },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: "comments-api-prod-rate-per-client",
            sampledRequestsEnabled: true,
          },
        },
        {
          name: "aws-common",
          priority: 1,
          statement: {
            managedRuleGroupStatement: {
              vendorName: "AWS",
              name: "AWSManagedRulesCommonRuleSet",
              // documents/waf.ts: every rule that reads the comment text, or that a valid
              // content_id or an original-API client without a User-Agent trips, only counts.
              ruleActionOverrides: [
                "NoUserAgent_HEADER",
                "SizeRestrictions_BODY",
                "EC2MetaDataSSRF_BODY",
                "EC2MetaDataSSRF_URIPATH",
                "GenericLFI_BODY",
                "RestrictedExtensions_URIPATH",
                "GenericRFI_BODY",
                "CrossSiteScripting_BODY",
              ].map((name) => ({ name, actionToUse: { count: {} } })),
            },
          },
          overrideAction: { none: {} },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: "comments-api-prod-aws-common",
            sampledRequestsEnabled: true,
          },
        },
      ],
    });
    const association = one(result, "aws:wafv2/webAclAssociation:WebAclAssociation");
    expect(association.inputs).toEqual({
      // The mocks' ARNs name the resource: the association joins this ACL to this ALB.
      resourceArn: "arn:aws:lb:sa-east-1:123456789012:comments-api-prod-alb",
      webAclArn: "arn:aws:wafv2:sa-east-1:123456789012:comments-api-prod-waf",
    });
    // A web ACL replaced create-before-delete: the old association's delete would disassociate the
    // new one (pulumi/pulumi-aws#4782). Deleted first, it cannot.
    expect(association.options.deleteBeforeReplace).toBe(true);
  });

  it("opens the test listener to each NAT address, and nothing else changes in the firewall", () => {
    const table = firewallTable(result);
    expect(table.filter((rule) => rule.includes("8443"))).toEqual([
      expect.stringMatching(/^alb in tcp\/8443-8443 198\.51\.100\.\d+\/32$/),
      expect.stringMatching(/^alb in tcp\/8443-8443 198\.51\.100\.\d+\/32$/),
      expect.stringMatching(/^alb in tcp\/8443-8443 198\.51\.100\.\d+\/32$/),
      "smoke out tcp/8443-8443 0.0.0.0/0",
    ]);
    expect(table.filter((rule) => !rule.includes("8443"))).toHaveLength(8);
  });

  it("protects the database: Multi-AZ, deletion protection, two weeks of backups, a final snapshot, protect", () => {
    const db = one(result, "aws:rds/instance:Instance");
    expect(db.inputs).toMatchObject({
      instanceClass: "db.t4g.medium",
      allocatedStorage: 50,
      multiAz: true,
      deletionProtection: true,
      backupRetentionPeriod: 14,
      skipFinalSnapshot: false,
      // Changes wait for the maintenance window; a major engine version is allowed (reviewed config).
      applyImmediately: false,
      allowMajorVersionUpgrade: true,
    });
    // Named after its first creation, to the second: a second deletion takes another name.
    expect(db.inputs.finalSnapshotIdentifier).toMatch(/^comments-api-prod-final-\d{8}t\d{6}$/);
    expect(db.options.protect).toBe(true);
    expect(db.options.ignoreChanges).toEqual(["finalSnapshotIdentifier"]);
  });

  it("runs at least two tasks of 0.5 vCPU and 1 GiB, scaling to ten, on regular Fargate", () => {
    const service = one(result, "aws:ecs/service:Service");
    expect([service.inputs.desiredCount, service.inputs.launchType]).toEqual([2, "FARGATE"]);
    const task = one(result, "aws:ecs/taskDefinition:TaskDefinition");
    expect([task.inputs.cpu, task.inputs.memory]).toEqual(["512", "1024"]);
    const target = one(result, "aws:appautoscaling/target:Target");
    expect([target.inputs.minCapacity, target.inputs.maxCapacity]).toEqual([2, 10]);
    expect(
      one(result, "aws:cloudwatch/logGroup:LogGroup", "comments-api-prod-logs").inputs.retentionInDays,
    ).toBe(90);
  });

  it("scales on requests per task summed over both target groups", () => {
    const policy = ofType(result, "aws:appautoscaling/policy:Policy").find((p) =>
      p.name.endsWith("-requests"),
    );
    const spec = (
      one(result, "aws:appautoscaling/policy:Policy", policy?.name).inputs
        .targetTrackingScalingPolicyConfiguration as {
        customizedMetricSpecification: { metrics: Array<Record<string, unknown>> };
      }
    ).customizedMetricSpecification;
    expect(spec.metrics.map((m) => [m.id, m.returnData, m.expression ?? null])).toEqual([
      ["requests0", false, null],
      ["requests1", false, null],
      ["tasks", false, null],
      ["requestsPerTask", true, "(FILL(requests0, 0) + FILL(requests1, 0)) / tasks"],
    ]);
    const dimensions = spec.metrics
      .slice(0, 2)
      .map(
        (m) =>
          (m.metricStat as { metric: { dimensions: Array<{ value: string }> } }).metric.dimensions[1]?.value,
      );
    expect(dimensions).toEqual([
      expect.stringMatching(/^targetgroup\/comments-api-prod-blue\//),
      expect.stringMatching(/^targetgroup\/comments-api-prod-green\//),
    ]);
  });

  it("releases prod by a 10% canary for 10 minutes (the analysis's window and the alarms' reaction time), declared by the program, keeping blue 15 minutes", () => {
    expect(one(result, "aws:codedeploy/deploymentConfig:DeploymentConfig").inputs).toMatchObject({
      deploymentConfigName: "comments-api-prod-canary-10pct-10min",
      computePlatform: "ECS",
      trafficRoutingConfig: { type: "TimeBasedCanary", timeBasedCanary: { percentage: 10, interval: 10 } },
    });
    expect(one(result, "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs).toMatchObject({
      deploymentConfigName: "comments-api-prod-canary-10pct-10min",
      blueGreenDeploymentConfig: {
        terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: 15 },
      },
    });
    expect(result.release?.deadlineSeconds).toBe(600 + 120 + 600 + 900 + 300);
  });

  it("releases through the budget gate and the canary analysis, against the stack's own Prometheus", () => {
    const command = String(one(result, "command:local:Command").inputs.create);
    expect(command).toMatch(
      / --prometheus-url https:\/\/aps-workspaces\.sa-east-1\.amazonaws\.com\/workspaces\/ws-[0-9a-f]{8}\/ --analysis canary$/,
    );
  });

  it("names the rollback alarms under the CodeDeploy component: the URNs an `ecs` stack's alarms alias (ecs-prod.test.ts)", () => {
    const alarms = ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
      (alarm) => alarm.parentType === "comments-platform:release:CodeDeployBlueGreen",
    );
    expect(alarms.map((alarm) => urnsOf(result, alarm)[0])).toEqual(
      ["blue-5xx", "blue-p99", "blue-unhealthy", "elb-5xx", "green-5xx", "green-p99", "green-unhealthy"].map(
        (suffix) =>
          `urn:pulumi:prod::comments-platform::comments-platform:release:CodeDeployBlueGreen$aws:cloudwatch/metricAlarm:MetricAlarm::comments-api-prod-${suffix}`,
      ),
    );
  });
});
