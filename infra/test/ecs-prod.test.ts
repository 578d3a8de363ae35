/**
 * The prod stack with `releaseStrategy: ecs` under Pulumi mocks: the service's own canary (the
 * stack's 10% for 10 minutes, blue kept 15), the smoke and judge hooks, the listener rules and the
 * roles ECS uses, and no CodeDeploy resource.
 */

import { readSloSpec } from "@comments-platform/slo";
import { beforeAll, describe, expect, it } from "vitest";
import { parseContractV2 } from "../contract/src/index";
import { violations } from "../policy/rules";
import { type Analysis, readAnalyses } from "../src/release/analysis";
import { judgeHookDetails } from "../src/release/ecs-hook-handler";
import { readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import managedLoadBalancerPolicy from "./fixtures/ecs-load-balancers-policy-v6.json";
import { countByType, ofType, one } from "./helpers";
import { runtimeCalls } from "./iam/calls-runtime";

let result: SynthResult;
beforeAll(async () => {
  result = await synth({
    stack: "prod",
    preview: false,
    config: { ...readStackFile("prod"), "comments-platform:releaseStrategy": "ecs" },
  });
});

const arn = (service: string, name: string) => `arn:aws:${service}:sa-east-1:123456789012:${name}`;

describe("prod, released by ECS", () => {
  it("runs the service under the ECS controller, a canary of 10% for 10 minutes, blue kept 15, smoke on test traffic, the judge on the production shift", () => {
    const service = one(result, "aws:ecs/service:Service");
    expect(service.inputs.deploymentController).toEqual({ type: "ECS" });
    // The circuit breaker is for rolling updates only (service.ts): rollback comes from the alarms and hooks.
    expect(service.inputs).not.toHaveProperty("deploymentCircuitBreaker");
    expect(service.inputs.alarms).toMatchObject({ enable: true, rollback: true });
    const prometheusUrl = String(
      (result.outputs.contractV2 as { prometheusQueryUrl: string }).prometheusQueryUrl,
    );
    expect(prometheusUrl).toMatch(
      /^https:\/\/aps-workspaces\.sa-east-1\.amazonaws\.com\/workspaces\/ws-[0-9a-f]{8}\/$/,
    );
    const { lifecycleHooks, ...rest } = service.inputs.deploymentConfiguration as {
      lifecycleHooks: Array<Record<string, unknown>>;
    };
    expect(rest).toEqual({
      strategy: "CANARY",
      bakeTimeInMinutes: "15",
      // The judge holds the canary step for its 10 looks (10 minutes): no bake after it.
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "0" },
    });
    // Task start 600 + smoke hook 120 + the judge's 10 looks 600 + canary bake 0 + blue kept 900 + margin 300.
    expect(result.release?.deadlineSeconds).toBe(600 + 120 + 600 + 0 + 900 + 300);
    const hooks = arn("iam", "comments-api-prod-ecs-hooks");
    expect(lifecycleHooks.map(({ hookDetails, ...hook }) => hook)).toEqual([
      {
        hookTargetArn: arn("lambda", "comments-api-prod-smoke"),
        lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"],
        roleArn: hooks,
      },
      {
        hookTargetArn: arn("lambda", "comments-api-prod-judge"),
        lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"],
        roleArn: hooks,
      },
    ]);
    // The judge's details: the stack's canary analysis against the stack's own Prometheus.
    expect(lifecycleHooks[0]).not.toHaveProperty("hookDetails");
    expect(JSON.parse(String(lifecycleHooks[1]?.hookDetails))).toEqual(
      judgeHookDetails({
        stack: "prod",
        prometheusUrl,
        analysis: readAnalyses(readSloSpec()).canary as Analysis,
      }),
    );
    expect(service.inputs.loadBalancers).toEqual([
      {
        containerName: "comments-api",
        containerPort: 3000,
        targetGroupArn: arn("lb", "comments-api-prod-blue"),
        advancedConfiguration: {
          alternateTargetGroupArn: arn("lb", "comments-api-prod-green"),
          productionListenerRule: arn("lb", "comments-api-prod-production-rule"),
          testListenerRule: arn("lb", "comments-api-prod-test-rule"),
          roleArn: arn("iam", "comments-api-prod-ecs-load-balancers"),
        },
      },
    ]);
    // ECS judges every deployment by the whole list: the load balancer's alarm only, no colour's.
    expect(service.inputs.alarms).toEqual({
      enable: true,
      rollback: true,
      alarmNames: ["comments-api-prod-elb-5xx"],
    });
    expect(service.options.ignoreChanges).toEqual([
      "taskDefinition",
      "loadBalancers",
      "networkConfiguration",
      "platformVersion",
      "desiredCount",
      "capacityProviderStrategies",
    ]);
    expect(service.options.dependsOn).toEqual(
      expect.arrayContaining([
        "lb:ListenerRule/comments-api-prod-production-rule",
        "lb:ListenerRule/comments-api-prod-test-rule",
        "iam:RolePolicy/comments-api-prod-ecs-load-balancers",
        "iam:RolePolicy/comments-api-prod-ecs-hooks",
        "iam:RolePolicy/comments-api-prod-judge",
        "lambda:Function/comments-api-prod-smoke",
      ]),
    );
  });

  it("routes each listener through one rule weighing blue 100 against green 0, whose weights ECS owns", () => {
    const rules = ofType(result, "aws:lb/listenerRule:ListenerRule");
    expect(rules.map((r) => [r.name, r.inputs.listenerArn])).toEqual([
      ["comments-api-prod-production-rule", arn("lb", "comments-api-prod-production")],
      ["comments-api-prod-test-rule", arn("lb", "comments-api-prod-test")],
    ]);
    for (const rule of rules) {
      expect(rule.inputs).toMatchObject({
        priority: 1,
        conditions: [{ pathPattern: { values: ["/*"] } }],
        actions: [
          {
            type: "forward",
            forward: {
              targetGroups: [
                { arn: arn("lb", "comments-api-prod-blue"), weight: 100 },
                { arn: arn("lb", "comments-api-prod-green"), weight: 0 },
              ],
            },
          },
        ],
      });
      expect(rule.options.ignoreChanges).toEqual(["actions"]);
    }
  });

  it("lets ECS shift only this stack's rules and target groups, and invoke only its two hooks", () => {
    const policy = (name: string) =>
      JSON.parse(String(one(result, "aws:iam/rolePolicy:RolePolicy", name).inputs.policy));
    expect(policy("comments-api-prod-ecs-load-balancers").Statement).toEqual([
      {
        Sid: "ReadLoadBalancing",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        Resource: "*",
      },
      {
        Sid: "RegisterTasks",
        Effect: "Allow",
        Action: ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
        Resource: [arn("lb", "comments-api-prod-blue"), arn("lb", "comments-api-prod-green")],
      },
      {
        Sid: "ShiftTraffic",
        Effect: "Allow",
        Action: ["elasticloadbalancing:ModifyRule"],
        Resource: [arn("lb", "comments-api-prod-production-rule"), arn("lb", "comments-api-prod-test-rule")],
      },
      {
        Sid: "ShiftDefaultRules",
        Effect: "Allow",
        Action: ["elasticloadbalancing:ModifyListener"],
        Resource: [arn("lb", "comments-api-prod-production"), arn("lb", "comments-api-prod-test")],
      },
    ]);
    expect(policy("comments-api-prod-ecs-hooks").Statement).toEqual([
      {
        Sid: "InvokeHooks",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [arn("lambda", "comments-api-prod-smoke"), arn("lambda", "comments-api-prod-judge")],
      },
    ]);
    for (const name of ["comments-api-prod-ecs-hooks", "comments-api-prod-ecs-load-balancers"]) {
      expect(JSON.parse(String(one(result, "aws:iam/role:Role", name).inputs.assumeRolePolicy))).toEqual({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      });
    }
    // The smoke hook answers ECS by its return value: no CodeDeploy permission left.
    expect(JSON.stringify(policy("comments-api-prod-smoke"))).not.toContain("codedeploy");
    expect(policy("comments-api-prod-judge").Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "Logs",
      "QueryPrometheus",
      "ReadServiceRevisions",
      "ReadServiceDeployments",
    ]);
    expect(policy("comments-api-prod-judge").Statement[2].Resource).toBe(
      "arn:aws:ecs:sa-east-1:123456789012:service-revision/comments-api-prod/comments-api-prod/*",
    );
    expect(policy("comments-api-prod-judge").Statement[3].Resource).toBe(
      "arn:aws:ecs:sa-east-1:123456789012:service-deployment/comments-api-prod/comments-api-prod/*",
    );
    const smoke = one(result, "aws:lambda/function:Function", "comments-api-prod-smoke");
    const judge = one(result, "aws:lambda/function:Function", "comments-api-prod-judge");
    expect([smoke.inputs.name, smoke.inputs.handler, judge.inputs.name, judge.inputs.handler]).toEqual([
      "CodeDeployHook_prod_smoke",
      "index.smokeHandler",
      "comments-api-prod-judge",
      "index.judgeHandler",
    ]);
    expect(judge.inputs).not.toHaveProperty("vpcConfig");
    expect(judge.inputs.timeout).toBe(60);
  });

  it("grants ECS's load-balancer role every action of the managed policy's current version (v6), and simulates each one", () => {
    // A missing action would roll back every deployment: ECS moves the traffic with this role.
    const actions = (statements: Array<{ Action: string | string[] }>) =>
      [...new Set(statements.flatMap((s) => [s.Action].flat()))].sort();
    const managed = actions(managedLoadBalancerPolicy.document.Statement);
    expect(managed).toEqual([
      "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:RegisterTargets",
    ]);
    const ours = JSON.parse(
      String(
        one(result, "aws:iam/rolePolicy:RolePolicy", "comments-api-prod-ecs-load-balancers").inputs.policy,
      ),
    ).Statement;
    expect(actions(ours)).toEqual(managed);
    // The IAM simulation (iam-ecs.test.ts) evaluates one call per action, on this stack's resources.
    const simulated = (runtimeCalls(result)["comments-api-prod-ecs-load-balancers"] ?? []).map((call) => ({
      Action: call.action,
    }));
    expect(actions(simulated)).toEqual(managed);
  });

  it("declares no CodeDeploy resource, and the release step passes --strategy ecs", () => {
    const counts = countByType(result);
    expect(
      Object.keys(counts).filter((type) => type.includes("codedeploy") || type.includes("CodeDeploy")),
    ).toEqual([]);
    expect(counts).toMatchObject({
      "comments-platform:release:EcsBlueGreen": 1,
      "aws:lb/listenerRule:ListenerRule": 2,
      "aws:lambda/function:Function": 2,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 8,
      "aws:ssm/parameter:Parameter": 1,
    });
    expect(String(one(result, "command:local:Command").inputs.create)).toMatch(
      / --strategy ecs --prometheus-url https:\/\/aps-workspaces\.sa-east-1\.amazonaws\.com\/workspaces\/ws-[0-9a-f]{8}\/ --analysis canary$/,
    );
  });

  it("keeps the rollback alarms' URNs from the CodeDeploy component, so moving to ecs re-creates no alarm", () => {
    const alarms = ofType(result, "aws:cloudwatch/metricAlarm:MetricAlarm").filter(
      (alarm) => alarm.parentType === "comments-platform:release:EcsBlueGreen",
    );
    expect(alarms).toHaveLength(7);
    for (const alarm of alarms) {
      expect(alarm.aliasParents).toEqual([
        "urn:pulumi:prod::comments-platform::comments-platform:release:CodeDeployBlueGreen::comments-api-prod",
      ]);
    }
  });

  it("publishes contractV2 only: the strategy and no CodeDeploy names", () => {
    const v2 = result.outputs.contractV2 as Record<string, unknown>;
    expect(v2).toMatchObject({ version: 2, stack: "prod", releaseStrategy: "ecs" });
    expect(v2).not.toHaveProperty("codedeployApplication");
    const parameter = one(result, "aws:ssm/parameter:Parameter");
    expect(parameter.inputs.name).toBe("/comments-platform/prod/contract/v2");
    expect(parseContractV2(String(parameter.inputs.insecureValue), "the prod parameter", "prod")).toEqual(v2);
  });

  it("passes every policy rule, ecs-alarm-rollback included", () => {
    expect(
      violations(
        result.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, stack: "prod" })),
      ),
    ).toEqual([]);
  });
});
