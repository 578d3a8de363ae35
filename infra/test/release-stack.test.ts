/** CodeDeploy and its rollback alarms, as both stacks declare them (stage under mocks; prod's differences). */
import { beforeAll, describe, expect, it } from "vitest";
import { rollbackAlarms } from "../src/documents/alarms";
import { smokeHookCode } from "../src/release/smoke-code";
import { type SynthResult, synth } from "../src/synth/run";
import { ofType, one } from "./helpers";

let result: SynthResult;
beforeAll(async () => {
  result = await synth({ stack: "stage", preview: false });
});

describe("the stage release", () => {
  it("deploys blue/green with traffic control, both target groups, both listeners, rollback on failure and alarms", () => {
    const group = one(result, "aws:codedeploy/deploymentGroup:DeploymentGroup");
    expect(group.inputs).toMatchObject({
      appName: "comments-api-stage",
      deploymentGroupName: "comments-api-stage",
      deploymentConfigName: "CodeDeployDefault.ECSAllAtOnce",
      deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
      ecsService: { clusterName: "comments-api-stage", serviceName: "comments-api-stage" },
      blueGreenDeploymentConfig: {
        deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
        terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 5 },
      },
      loadBalancerInfo: {
        targetGroupPairInfo: {
          targetGroups: [{ name: "comments-api-stage-blue" }, { name: "comments-api-stage-green" }],
          prodTrafficRoute: {
            listenerArns: ["arn:aws:lb:sa-east-1:123456789012:comments-api-stage-production"],
          },
          testTrafficRoute: { listenerArns: ["arn:aws:lb:sa-east-1:123456789012:comments-api-stage-test"] },
        },
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
      },
    });
    expect(group.inputs.alarmConfiguration).toEqual({
      enabled: true,
      alarms: [
        "blue-5xx",
        "blue-p99",
        "blue-unhealthy",
        "green-5xx",
        "green-p99",
        "green-unhealthy",
        "elb-5xx",
      ].map((s) => `comments-api-stage-${s}`),
    });
    // Its role's inline policy is compared whole, for both stacks, in plan.test.ts.
    const role = ofType(result, "aws:iam/role:Role").find((r) => r.name === "comments-api-stage-codedeploy");
    expect(role?.inputs.managedPolicyArns).toBeUndefined();
    expect(one(result, "aws:codedeploy/application:Application").inputs.computePlatform).toBe("ECS");
  });

  it("alarms on 5xx ratio, p99 and unhealthy hosts of each colour and the load balancer's own 5xx, at the SLO's thresholds", () => {
    // The rollback alarms; the heartbeat alarm belongs to monitoring (plan.test.ts).
    const alarms = ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
      (alarm) => alarm.name !== "comments-api-stage-heartbeat-missing",
    );
    expect(
      alarms.map((a) => [a.name, a.inputs.threshold, a.inputs.evaluationPeriods, a.inputs.datapointsToAlarm]),
    ).toEqual([
      ["comments-api-stage-blue-5xx", 0.0144, 3, 2],
      ["comments-api-stage-blue-p99", 0.3, 3, 3],
      ["comments-api-stage-blue-unhealthy", 0, 2, 2],
      ["comments-api-stage-elb-5xx", 0.0144, 3, 2],
      ["comments-api-stage-green-5xx", 0.0144, 3, 2],
      ["comments-api-stage-green-p99", 0.3, 3, 3],
      ["comments-api-stage-green-unhealthy", 0, 2, 2],
    ]);
    // The unhealthy-host alarms read the minute's highest count: one target failing its health
    // check in any sample of the minute breaches (an Average over the minute could stay under 1).
    for (const colour of ["blue", "green"]) {
      const unhealthy = one(
        result,
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        `comments-api-stage-${colour}-unhealthy`,
      );
      expect([
        unhealthy.inputs.namespace,
        unhealthy.inputs.metricName,
        unhealthy.inputs.statistic,
        unhealthy.inputs.extendedStatistic,
        unhealthy.inputs.period,
        unhealthy.inputs.comparisonOperator,
        unhealthy.inputs.treatMissingData,
      ]).toEqual([
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        "Maximum",
        undefined,
        60,
        "GreaterThanThreshold",
        "notBreaching",
      ]);
    }
    // A minute with fewer than alerts/slo.yaml's 30 requests does not breach.
    const elb5xx = one(result, "aws:cloudwatch/metricAlarm:MetricAlarm", "comments-api-stage-elb-5xx");
    expect(elb5xx.inputs.metricQueries).toEqual([
      {
        id: "errors",
        returnData: false,
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName: "HTTPCode_ELB_5XX_Count",
          dimensions: { LoadBalancer: expect.stringMatching(/^app\/comments-api-stage-alb\//) },
          period: 60,
          stat: "Sum",
        },
      },
      {
        id: "requests",
        returnData: false,
        metric: {
          namespace: "AWS/ApplicationELB",
          metricName: "RequestCount",
          dimensions: { LoadBalancer: expect.stringMatching(/^app\/comments-api-stage-alb\//) },
          period: 60,
          stat: "Sum",
        },
      },
      {
        id: "ratio",
        label: "load balancer 5xx ratio",
        returnData: true,
        expression: "IF(requests >= 30, FILL(errors, 0) / requests, 0)",
      },
    ]);
    const green5xx = one(result, "aws:cloudwatch/metricAlarm:MetricAlarm", "comments-api-stage-green-5xx");
    const lb = "app/comments-api-stage-alb/";
    expect(JSON.stringify(green5xx.inputs.metricQueries)).toContain(
      '"expression":"IF(requests >= 30, FILL(errors, 0) / requests, 0)"',
    );
    expect(
      (green5xx.inputs.metricQueries as Array<{ metric?: { dimensions: Record<string, string> } }>)[0]?.metric
        ?.dimensions,
    ).toEqual({
      LoadBalancer: expect.stringContaining(lb),
      TargetGroup: expect.stringMatching(/^targetgroup\/comments-api-stage-green\//),
    });
    for (const alarm of alarms) {
      expect(alarm.inputs.alarmActions).toEqual([
        "arn:aws:sns:sa-east-1:123456789012:comments-api-stage-ticket",
      ]);
      expect(alarm.inputs.treatMissingData).toBe("notBreaching");
    }
  });

  // The release synth shows (names, deadline, AppSpec) is compared whole, for both stacks, in plan.test.ts.
});

describe("rollbackAlarms", () => {
  it("builds the p99 alarm on TargetResponseTime", () => {
    const [, p99] = rollbackAlarms({
      colour: "blue",
      loadBalancer: "app/x/1",
      targetGroup: "targetgroup/y/2",
      max5xxRatio: 0.01,
      maxP99Seconds: 0.5,
      minRequests: 30,
    });
    expect(p99).toEqual({
      suffix: "blue-p99",
      description: "blue's p99 response time above 500 ms for 3 minutes: roll the release back",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0.5,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: "notBreaching",
      namespace: "AWS/ApplicationELB",
      metricName: "TargetResponseTime",
      dimensions: { LoadBalancer: "app/x/1", TargetGroup: "targetgroup/y/2" },
      period: 60,
      extendedStatistic: "p99",
    });
  });
});

describe("the smoke hook Lambda", () => {
  it("is named for CodeDeploy's invoke policy, runs in the private subnets, may report a hook's status", () => {
    const fn = one(result, "aws:lambda/function:Function");
    expect(fn.inputs).toMatchObject({
      name: "CodeDeployHook_stage_smoke",
      runtime: "nodejs22.x",
      handler: "index.handler",
      timeout: 120,
      environment: {
        variables: {
          TEST_LISTENER_URL: expect.stringMatching(
            /^http:\/\/comments-api-stage-alb-[0-9a-f]{8}\.sa-east-1\.elb\.amazonaws\.com:8443$/,
          ),
          USER_AGENT: expect.stringMatching(/^comments-platform\/c-[0-9a-f]{20} \(smoke-hook\)$/),
        },
      },
      vpcConfig: {
        subnetIds: ["comments-api-stage-private-0-id", "comments-api-stage-private-1-id"],
        securityGroupIds: ["comments-api-stage-smoke-id"],
      },
    });
    const policy = ofType(result, "aws:iam/rolePolicy:RolePolicy").find(
      (p) => p.name === "comments-api-stage-smoke",
    );
    expect(JSON.parse(String(policy?.inputs.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "VpcNetworkInterfaces",
          Effect: "Allow",
          Action: [
            "ec2:AssignPrivateIpAddresses",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:UnassignPrivateIpAddresses",
          ],
          Resource: "*",
        },
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: "arn:aws:logs:sa-east-1:123456789012:log-group:/aws/lambda/CodeDeployHook_stage_smoke:*",
        },
        {
          Sid: "ReportHookStatus",
          Effect: "Allow",
          Action: ["codedeploy:PutLifecycleEventHookExecutionStatus"],
          Resource: "*",
        },
      ],
    });
    // Inline only: a managed attachment needs iam:AttachRolePolicy/DetachRolePolicy of the deploy.
    expect(
      one(result, "aws:iam/role:Role", "comments-api-stage-smoke").inputs.managedPolicyArns,
    ).toBeUndefined();
    expect(fn.options.dependsOn).toEqual(["iam:RolePolicy/comments-api-stage-smoke"]);
  });

  it("ships the handler as one CommonJS file that needs only Node.js and the AWS SDK", () => {
    const code = smokeHookCode();
    expect([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual([
      "node:http",
      "node:https",
      "@aws-sdk/client-codedeploy",
    ]);
    expect(code).toContain("exports.handler = handler;");
  });
});

describe("the release step in pulumi up", () => {
  it("runs pnpm release deploy when the task definition or the tasks' network changes, after what it needs", () => {
    const step = one(result, "command:local:Command");
    const task = "arn:aws:ecs:sa-east-1:123456789012:comments-api-stage-task";
    const subnets = ["comments-api-stage-private-0-id", "comments-api-stage-private-1-id"];
    const command = `pnpm --silent release deploy --stack stage --task-definition ${task} --subnets ${subnets.join(",")} --security-groups comments-api-stage-service-id`;
    expect(step.inputs).toEqual({
      create: command,
      update: command,
      // GRAFANA_URL and GRAFANA_TOKEN, for the release's annotations: secret, as the token is.
      environment: "[secret]",
      triggers: [task, subnets, ["comments-api-stage-service-id"]],
    });
    // What it runs after is compared whole, for both stacks, in plan.test.ts.
  });
});
