import {
  CodeDeployClient,
  CreateDeploymentCommand,
  type DeploymentInfo,
  DeploymentLimitExceededException,
  DeploymentNotStartedException,
  DeploymentTargetDoesNotExistException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  type GetDeploymentTargetOutput,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  alarmsForRelease,
  nextStep,
  type ReleaseOptions,
  type ReleaseTarget,
  release,
} from "../src/release/release";

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const clients = {
  codedeploy: new CodeDeployClient({ region: "sa-east-1" }),
  ecs: new ECSClient({ region: "sa-east-1" }),
};
const OLD = "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:41";
const NEW = "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:42";
const target: ReleaseTarget = {
  region: "sa-east-1",
  application: "comments-api-prod",
  deploymentGroup: "comments-api-prod",
  cluster: "comments-api-prod",
  service: "comments-api-prod",
  containerName: "comments-api",
  containerPort: 3000,
  hooks: { AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" },
};
const console = (id: string) =>
  `https://sa-east-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=sa-east-1`;

let clock: number;
let lines: string[];
const options = (extra: Partial<ReleaseOptions> = {}): ReleaseOptions => ({
  taskDefinitionArn: NEW,
  onConflict: "fail",
  deadlineSeconds: 3600,
  pollSeconds: 15,
  log: (line) => lines.push(line),
  sleep: async (ms) => {
    clock += ms;
  },
  now: () => clock,
  ...extra,
});
const info = (
  deploymentId: string,
  status: string,
  taskDefinition: string,
  extra: Partial<DeploymentInfo> = {},
) => ({
  deploymentInfo: {
    deploymentId,
    status,
    revision: {
      revisionType: "AppSpecContent",
      appSpecContent: {
        content: JSON.stringify({
          Resources: [{ TargetService: { Properties: { TaskDefinition: taskDefinition } } }],
        }),
      },
    },
    ...extra,
  } as DeploymentInfo,
});
const targetInfo = (event: string, eventStatus: string, greenWeight: number): GetDeploymentTargetOutput => ({
  deploymentTarget: {
    ecsTarget: {
      lifecycleEvents: [
        { lifecycleEventName: "Install", status: "Succeeded" },
        { lifecycleEventName: event, status: eventStatus as "InProgress" },
      ],
      taskSetsInfo: [
        { taskSetLabel: "Blue", trafficWeight: 100 - greenWeight },
        { taskSetLabel: "Green", trafficWeight: greenWeight },
      ],
    },
  },
});

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  clock = 0;
  lines = [];
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  ecs.on(DescribeServicesCommand).resolves({ services: [service(OLD, "blue")] });
  codedeploy.on(GetDeploymentGroupCommand).resolves(GROUP);
  codedeploy.on(GetDeploymentTargetCommand).resolves(targetInfo("AfterAllowTestTraffic", "InProgress", 0));
});

/** The deployment group as GetDeploymentGroup describes it: the pair blue first, and its alarms. */
const TARGET_GROUPS = ["comments-api-prod-blue-4f1e2a9", "comments-api-prod-green-77c0d1b"];
const ALARMS = [
  "comments-api-prod-blue-5xx",
  "comments-api-prod-blue-p99",
  "comments-api-prod-blue-unhealthy",
  "comments-api-prod-green-5xx",
  "comments-api-prod-green-p99",
  "comments-api-prod-green-unhealthy",
  "comments-api-prod-elb-5xx",
];
const GROUP = {
  deploymentGroupInfo: {
    alarmConfiguration: { enabled: true, alarms: ALARMS.map((name) => ({ name })) },
    loadBalancerInfo: {
      targetGroupPairInfoList: [{ targetGroups: TARGET_GROUPS.map((name) => ({ name })) }],
    },
  },
};
/** The ECS service with its live (PRIMARY) task set on one colour's target group. */
const service = (taskDefinition: string, live: "blue" | "green") => ({
  taskDefinition,
  taskSets: [
    {
      status: "PRIMARY",
      loadBalancers: [
        {
          targetGroupArn: `arn:aws:elasticloadbalancing:sa-east-1:123456789012:targetgroup/${TARGET_GROUPS[live === "blue" ? 0 : 1]}/6d0ecf831eec9f09`,
        },
      ],
    },
  ],
});
const JUDGED_BY_GREEN =
  "+0s judged by the rollback alarms of green (the replacement, on comments-api-prod-green-77c0d1b) and the load balancer: comments-api-prod-green-5xx, comments-api-prod-green-p99, comments-api-prod-green-unhealthy, comments-api-prod-elb-5xx";

describe("the alarms a release is judged by", () => {
  const created = async (extra: Partial<ReleaseOptions> = {}) => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(GetDeploymentCommand, { deploymentId: "d-1" }).resolves(info("d-1", "Succeeded", NEW));
    await release(clients, target, options(extra));
    return codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
  };

  it("live on blue: green's alarms and the load balancer's, so an incident on blue cannot stop its fix", async () => {
    const input = await created();
    expect(input?.overrideAlarmConfiguration).toEqual({
      enabled: true,
      ignorePollAlarmFailure: false,
      alarms: [
        { name: "comments-api-prod-green-5xx" },
        { name: "comments-api-prod-green-p99" },
        { name: "comments-api-prod-green-unhealthy" },
        { name: "comments-api-prod-elb-5xx" },
      ],
    });
    expect(input?.description).toBe(`${OLD} -> ${NEW}`);
    expect(lines[1]).toBe(JUDGED_BY_GREEN);
  });

  it("live on green: blue's alarms and the load balancer's", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service(OLD, "green")] });
    const input = await created();
    expect(input?.overrideAlarmConfiguration?.alarms?.map((a) => a.name)).toEqual([
      "comments-api-prod-blue-5xx",
      "comments-api-prod-blue-p99",
      "comments-api-prod-blue-unhealthy",
      "comments-api-prod-elb-5xx",
    ]);
  });

  it("--ignore-alarms: no alarm judges it, and the reason is in the description and the log", async () => {
    const input = await created({ ignoreAlarms: "INC-42: hotfix while green-5xx is in alarm" });
    expect(input?.overrideAlarmConfiguration).toEqual({
      enabled: false,
      ignorePollAlarmFailure: false,
      alarms: [],
    });
    expect(input?.description).toBe(
      `${OLD} -> ${NEW} [rollback alarms ignored: INC-42: hotfix while green-5xx is in alarm]`,
    );
    expect(lines[1]).toBe(
      "+0s rollback alarms ignored for this deployment: INC-42: hotfix while green-5xx is in alarm",
    );
  });

  it("no live task set to tell the colours by: the group's own alarms, and the log says so", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ taskDefinition: OLD }] });
    const input = await created();
    expect(input?.overrideAlarmConfiguration).toBeUndefined();
    expect(lines[1]).toBe(
      "+0s could not tell the live target group (no primary task set of comments-api-prod-blue-4f1e2a9, comments-api-prod-green-77c0d1b): the deployment group's alarms, both colours', judge this release",
    );
  });

  it("a live target group that is neither of the pair: the group's own alarms", () => {
    expect(
      alarmsForRelease({
        groupAlarms: ALARMS,
        targetGroups: TARGET_GROUPS,
        liveTargetGroupArn: "arn:aws:elasticloadbalancing:sa-east-1:123456789012:targetgroup/other/1",
      }),
    ).toEqual({
      log: "could not tell the live target group (other of comments-api-prod-blue-4f1e2a9, comments-api-prod-green-77c0d1b): the deployment group's alarms, both colours', judge this release",
    });
  });
});

describe("release", () => {
  it("does nothing when the service already runs the revision and nothing is deploying", async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [{ taskDefinition: NEW }] });
    expect(await release(clients, target, options())).toEqual({ action: "none" });
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(lines).toEqual([`+0s comments-api-prod already runs ${NEW}: nothing to release`]);
  });

  it("creates the deployment with the AppSpec and prints one line per change until it succeeds", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-1" })
      .resolvesOnce(info("d-1", "InProgress", NEW))
      .resolvesOnce(info("d-1", "InProgress", NEW))
      .resolvesOnce(info("d-1", "InProgress", NEW))
      .resolves(info("d-1", "Succeeded", NEW));
    codedeploy
      .on(GetDeploymentTargetCommand)
      .resolvesOnce(targetInfo("AfterAllowTestTraffic", "InProgress", 0))
      .resolvesOnce(targetInfo("AfterAllowTestTraffic", "InProgress", 0))
      .resolvesOnce(targetInfo("AfterAllowTraffic", "Succeeded", 100))
      .resolves(targetInfo("AfterAllowTraffic", "Succeeded", 100));
    expect(await release(clients, target, options())).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(lines).toEqual([
      `+0s created deployment d-1: ${OLD} -> ${NEW}`,
      JUDGED_BY_GREEN,
      "+0s deployment d-1 InProgress; AfterAllowTestTraffic InProgress; green 0% of traffic",
      "+30s deployment d-1 InProgress; AfterAllowTraffic Succeeded; green 100% of traffic",
      "+45s deployment d-1 Succeeded; AfterAllowTraffic Succeeded; green 100% of traffic",
    ]);
    const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
    expect(input?.applicationName).toBe("comments-api-prod");
    expect(JSON.parse(input?.revision?.appSpecContent?.content ?? "")).toEqual({
      version: "0.0",
      Resources: [
        {
          TargetService: {
            Type: "AWS::ECS::Service",
            Properties: {
              TaskDefinition: NEW,
              LoadBalancerInfo: { ContainerName: "comments-api", ContainerPort: 3000 },
            },
          },
        },
      ],
      Hooks: [{ AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" }],
    });
  });

  it("waits for the rollback of a failed deployment, then fails with CodeDeploy's code, message and the console link", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(GetDeploymentCommand, { deploymentId: "d-1" }).resolves(
      info("d-1", "Failed", NEW, {
        errorInformation: { code: "ALARM_ACTIVE", message: "One or more alarms have been activated" },
        rollbackInfo: { rollbackDeploymentId: "d-2" },
      }),
    );
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-2" })
      .resolvesOnce(info("d-2", "InProgress", OLD))
      .resolves(info("d-2", "Succeeded", OLD));
    await expect(release(clients, target, options())).rejects.toThrow(
      `deployment d-1 Failed: ALARM_ACTIVE: One or more alarms have been activated; rolled back by d-2 (Succeeded); ${console("d-1")}`,
    );
    expect(lines).toContain("+0s waiting for rollback deployment d-2");
  });

  it("fails when the deployment was stopped", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(GetDeploymentCommand).resolves(
      info("d-1", "Stopped", NEW, {
        errorInformation: { code: "MANUAL_STOP", message: "stopped by user" },
      }),
    );
    await expect(release(clients, target, options())).rejects.toThrow(
      `deployment d-1 Stopped: MANUAL_STOP: stopped by user; no rollback deployment; ${console("d-1")}`,
    );
  });

  it("attaches to an active deployment of the same revision instead of creating one", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-9"] });
    codedeploy
      .on(GetDeploymentCommand)
      .resolvesOnce(info("d-9", "InProgress", NEW))
      .resolvesOnce(info("d-9", "InProgress", NEW))
      .resolves(info("d-9", "Succeeded", NEW));
    expect(await release(clients, target, options())).toEqual({ action: "attached", deploymentId: "d-9" });
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(lines[0]).toBe(`+0s attaching to deployment d-9, already deploying ${NEW}`);
  });

  it("fails on an active deployment of another revision when told to, touching nothing", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-9"] });
    codedeploy.on(GetDeploymentCommand).resolves(info("d-9", "InProgress", OLD));
    await expect(release(clients, target, options())).rejects.toThrow(
      `deployment d-9 of ${OLD} is in progress; wait for it, or stop it (pnpm release rollback), then run again; ${console("d-9")}`,
    );
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it("stops an active deployment of another revision with rollback when told to, then deploys", async () => {
    let stopped = false;
    codedeploy.on(ListDeploymentsCommand).resolvesOnce({ deployments: ["d-9"] });
    codedeploy.on(StopDeploymentCommand).callsFake(() => {
      stopped = true;
      return { status: "Pending" };
    });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-9" })
      .callsFake(() => info("d-9", stopped ? "Stopped" : "InProgress", OLD));
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-10" });
    codedeploy.on(GetDeploymentCommand, { deploymentId: "d-10" }).resolves(info("d-10", "Succeeded", NEW));
    expect(await release(clients, target, options({ onConflict: "stop" }))).toEqual({
      action: "deployed",
      deploymentId: "d-10",
    });
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: "d-9", autoRollbackEnabled: true },
    ]);
  });

  it("attaches when another run created the same deployment first (DeploymentLimitExceededException)", async () => {
    codedeploy
      .on(ListDeploymentsCommand)
      .resolvesOnce({ deployments: [] })
      .resolves({ deployments: ["d-7"] });
    codedeploy.on(CreateDeploymentCommand).rejects(
      new DeploymentLimitExceededException({
        message: "The Deployment Group already has an active deployment",
        $metadata: {},
      }),
    );
    codedeploy.on(GetDeploymentCommand).resolves(info("d-7", "Succeeded", NEW));
    expect(await release(clients, target, options())).toEqual({ action: "attached", deploymentId: "d-7" });
    expect(lines[0]).toBe("+0s another run started deployment d-7 of the same revision: attaching");
  });

  it("stops the deployment with rollback once the deadline passes, and fails", async () => {
    let stopped = false;
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(StopDeploymentCommand).callsFake(() => {
      stopped = true;
      return { status: "Pending" };
    });
    codedeploy.on(GetDeploymentCommand).callsFake(() => info("d-1", stopped ? "Stopped" : "InProgress", NEW));
    await expect(release(clients, target, options({ deadlineSeconds: 60 }))).rejects.toThrow(
      `deployment d-1 did not finish within 60 s and was stopped with rollback; ${console("d-1")}`,
    );
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: "d-1", autoRollbackEnabled: true },
    ]);
    expect(lines).toContain("+75s deadline of 60 s passed: stopping d-1 with rollback");
  });

  // CodeDeploy answers GetDeploymentTarget with these for a while after CreateDeployment (the API
  // reference lists both for GetDeploymentTarget); the release must keep following the deployment.
  it("keeps following a deployment while GetDeploymentTarget says it has not started or has no target yet", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-1" })
      .resolvesOnce(info("d-1", "Created", NEW))
      .resolvesOnce(info("d-1", "InProgress", NEW))
      .resolves(info("d-1", "Succeeded", NEW));
    codedeploy
      .on(GetDeploymentTargetCommand)
      .rejectsOnce(
        new DeploymentNotStartedException({
          message: "The specified deployment has not started.",
          $metadata: {},
        }),
      )
      .rejectsOnce(
        new DeploymentTargetDoesNotExistException({
          message: "The provided target ID does not belong to the attempted deployment.",
          $metadata: {},
        }),
      )
      .resolves(targetInfo("AfterAllowTraffic", "Succeeded", 100));
    expect(await release(clients, target, options())).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(lines).toEqual([
      `+0s created deployment d-1: ${OLD} -> ${NEW}`,
      JUDGED_BY_GREEN,
      "+0s deployment d-1 Created; progress not available yet (DeploymentNotStartedException)",
      "+15s deployment d-1 InProgress; progress not available yet (DeploymentTargetDoesNotExistException)",
      "+30s deployment d-1 Succeeded; AfterAllowTraffic Succeeded; green 100% of traffic",
    ]);
  });

  it("never ends a release because progress could not be read", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: "d-1" })
      .resolvesOnce(info("d-1", "InProgress", NEW))
      .resolves(info("d-1", "Succeeded", NEW));
    codedeploy
      .on(GetDeploymentTargetCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    expect(await release(clients, target, options())).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(lines.slice(2)).toEqual([
      "+0s deployment d-1 InProgress; progress not available (AccessDeniedException: User is not authorized)",
      "+15s deployment d-1 Succeeded; progress not available (AccessDeniedException: User is not authorized)",
    ]);
  });

  const NETWORK = { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-service"] };
  const running = (taskDefinition: string, subnets: string[], securityGroups: string[]) => ({
    services: [
      {
        taskDefinition,
        taskSets: [
          {
            status: "PRIMARY",
            taskDefinition,
            networkConfiguration: {
              awsvpcConfiguration: { subnets, securityGroups, assignPublicIp: "DISABLED" as const },
            },
          },
        ],
      },
    ],
  });

  it("puts the desired network configuration in the AppSpec", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(GetDeploymentCommand).resolves(info("d-1", "Succeeded", NEW));
    await release(clients, target, options({ network: NETWORK }));
    const content =
      codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content;
    expect(JSON.parse(content ?? "{}").Resources[0].TargetService.Properties.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: {
        Subnets: ["subnet-a", "subnet-b"],
        SecurityGroups: ["sg-service"],
        AssignPublicIp: "DISABLED",
      },
    });
  });

  it("releases the same revision when only the network configuration changed", async () => {
    ecs.on(DescribeServicesCommand).resolves(running(NEW, ["subnet-a", "subnet-old"], ["sg-service"]));
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(GetDeploymentCommand).resolves(info("d-1", "Succeeded", NEW));
    expect(await release(clients, target, options({ network: NETWORK }))).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(lines[0]).toBe(
      `+0s created deployment d-1: ${NEW} -> ${NEW} (network: subnets subnet-a,subnet-old -> subnet-a,subnet-b)`,
    );
  });

  it("releases the same revision when only the security groups changed", async () => {
    ecs.on(DescribeServicesCommand).resolves(running(NEW, ["subnet-b", "subnet-a"], ["sg-old"]));
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-1" });
    codedeploy.on(GetDeploymentCommand).resolves(info("d-1", "Succeeded", NEW));
    expect(await release(clients, target, options({ network: NETWORK }))).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(lines[0]).toBe(
      `+0s created deployment d-1: ${NEW} -> ${NEW} (network: security groups sg-old -> sg-service)`,
    );
  });

  it("does nothing when revision and network configuration are what the service runs, in any order", async () => {
    ecs.on(DescribeServicesCommand).resolves(running(NEW, ["subnet-b", "subnet-a"], ["sg-service"]));
    expect(await release(clients, target, options({ network: NETWORK }))).toEqual({ action: "none" });
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });
});

// One poll, one decision (cdk-ecs-codedeploy's is-complete, as a table).
describe("nextStep", () => {
  const deployment = (status: string, extra: Partial<DeploymentInfo> = {}) =>
    ({ deploymentId: "d-1", status, ...extra }) as DeploymentInfo;
  const failedWith = {
    errorInformation: { code: "HEALTH_CONSTRAINTS" as const, message: "The deployment failed because ..." },
  };
  it.each([
    ["Created", undefined, { next: "wait" }],
    ["Queued", undefined, { next: "wait" }],
    ["InProgress", undefined, { next: "wait" }],
    ["Baking", undefined, { next: "wait" }],
    ["Ready", undefined, { next: "wait" }],
    ["Succeeded", undefined, { next: "succeeded" }],
    [
      "Failed",
      undefined,
      {
        next: "failed",
        reason:
          "deployment d-1 Failed: HEALTH_CONSTRAINTS: The deployment failed because ...; no rollback deployment",
      },
    ],
    [
      "Stopped",
      undefined,
      { next: "failed", reason: "deployment d-1 Stopped: no error code: no message; no rollback deployment" },
    ],
  ] as const)("%s (no rollback named) -> %j", (status, _rollback, decision) => {
    const extra = status === "Failed" ? failedWith : {};
    expect(nextStep(deployment(status, extra))).toEqual(decision);
  });

  const withRollback = { ...failedWith, rollbackInfo: { rollbackDeploymentId: "d-2" } };
  it.each([
    ["not read yet", undefined, { next: "wait" }],
    ["InProgress", deployment("InProgress"), { next: "wait" }],
    [
      "Succeeded",
      deployment("Succeeded"),
      {
        next: "failed",
        reason:
          "deployment d-1 Failed: HEALTH_CONSTRAINTS: The deployment failed because ...; rolled back by d-2 (Succeeded)",
      },
    ],
    [
      "Failed",
      deployment("Failed"),
      {
        next: "failed",
        reason:
          "deployment d-1 Failed: HEALTH_CONSTRAINTS: The deployment failed because ...; rolled back by d-2 (Failed)",
      },
    ],
  ] as const)("Failed with its rollback %s -> %j", (_name, rollback, decision) => {
    expect(nextStep(deployment("Failed", withRollback), rollback)).toEqual(decision);
  });
});
