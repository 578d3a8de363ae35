/**
 * The ECS-native adapter against aws-sdk-client-mock with ECS's documented shapes: what each
 * Deployer call sends, and how ECS's answers read in the engine's terms. Errors are the exception
 * names of the API reference (ServiceDeploymentNotFoundException: API_StopServiceDeployment.html).
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type ServiceDeployment,
  ServiceDeploymentNotFoundException,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ecsDeployer, ecsStatus, progressOf } from "../src/release/ecs-deployer";

const ecs = mockClient(ECSClient);
const client = new ECSClient({ region: "sa-east-1" });
const target = { region: "sa-east-1", cluster: "comments-api-prod", service: "comments-api-prod" };
const deployer = ecsDeployer(client, target);

const ARN = "arn:aws:ecs:sa-east-1:123456789012";
const SD = `${ARN}:service-deployment/comments-api-prod/comments-api-prod/r9i43YFjvgF_xlg7m2eJ1r`;
const GREEN_REV = `${ARN}:service-revision/comments-api-prod/comments-api-prod/1234567890123456789`;
const BLUE_REV = `${ARN}:service-revision/comments-api-prod/comments-api-prod/9876543210987654321`;
const TD = (n: number) => `${ARN}:task-definition/comments-api-prod:${n}`;
const deploymentConfiguration = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  alarms: {
    alarmNames: ["comments-api-prod-5xx", "comments-api-prod-unhealthy"],
    enable: true,
    rollback: true,
  },
  strategy: "CANARY" as const,
  bakeTimeInMinutes: 10,
  canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
  lifecycleHooks: [
    {
      hookTargetArn: `${ARN}:function:comments-api-prod-judge`,
      roleArn: `${ARN.replace(":ecs:sa-east-1", ":iam:")}:role/comments-api-prod-hooks`,
      lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT" as const],
    },
  ],
};
const service = {
  serviceName: "comments-api-prod",
  status: "ACTIVE",
  taskDefinition: TD(41),
  deploymentController: { type: "ECS" as const },
  deploymentConfiguration,
  networkConfiguration: {
    awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1"] },
  },
};
/** A service deployment as DescribeServiceDeployments answers it (its API reference's fields). */
const deployment = (over: Partial<ServiceDeployment>): ServiceDeployment => ({
  serviceDeploymentArn: SD,
  serviceArn: `${ARN}:service/comments-api-prod/comments-api-prod`,
  clusterArn: `${ARN}:cluster/comments-api-prod`,
  sourceServiceRevisions: [
    { arn: BLUE_REV, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 },
  ],
  targetServiceRevision: { arn: GREEN_REV, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 },
  status: "IN_PROGRESS",
  ...over,
});

beforeEach(() => {
  ecs.reset();
  ecs.on(DescribeServicesCommand).resolves({ services: [service], failures: [] });
  // The deployment UpdateService answers as current ships TD(42), the release the tests start.
  ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [deployment({})], failures: [] });
  ecs.on(DescribeServiceRevisionsCommand).resolves({
    serviceRevisions: [
      { serviceRevisionArn: GREEN_REV, taskDefinition: TD(42) },
      { serviceRevisionArn: BLUE_REV, taskDefinition: TD(41) },
    ],
    failures: [],
  });
});

describe("ECS statuses in the engine's terms", () => {
  it.each([
    ["PENDING", { status: "pending" }],
    ["IN_PROGRESS", { status: "in-progress" }],
    ["STOP_REQUESTED", { status: "in-progress" }],
    ["SUCCESSFUL", { status: "succeeded" }],
    ["STOPPED", { status: "stopped" }],
    ["ROLLBACK_REQUESTED", { status: "failed", rollback: { state: "in-progress" } }],
    ["ROLLBACK_IN_PROGRESS", { status: "failed", rollback: { state: "in-progress" } }],
    ["ROLLBACK_SUCCESSFUL", { status: "failed", rollback: { state: "succeeded" } }],
    ["ROLLBACK_FAILED", { status: "failed", rollback: { state: "failed" } }],
  ] as const)("%s", (status, expected) => {
    expect(ecsStatus(status)).toEqual(expected);
  });
});

describe("the ECS adapter", () => {
  it("starts a release with one UpdateService: task definition, network, and the whole deployment configuration with this release's alarms", async () => {
    ecs.on(UpdateServiceCommand).resolves({ service: { ...service, currentServiceDeployment: SD } });
    const alarms = await deployer.alarms({ running: await deployer.running() });
    expect(alarms.log).toBe(
      "judged by the service's deployment alarms (ECS keeps one list per service, and names no live target group): comments-api-prod-5xx, comments-api-prod-unhealthy",
    );
    const id = await deployer.create({
      taskDefinitionArn: TD(42),
      network: { subnets: ["subnet-a", "subnet-c"], securityGroups: ["sg-1"] },
      alarms,
      description: `${TD(41)} -> ${TD(42)}`,
    });
    expect(id).toBe(SD);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      {
        cluster: "comments-api-prod",
        service: "comments-api-prod",
        taskDefinition: TD(42),
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ["subnet-a", "subnet-c"],
            securityGroups: ["sg-1"],
            assignPublicIp: "DISABLED",
          },
        },
        deploymentConfiguration,
      },
    ]);
  });

  it("--ignore-alarms turns the service's alarms off in the same call, the rest of the configuration kept", async () => {
    ecs.on(UpdateServiceCommand).resolves({ service: { ...service, currentServiceDeployment: SD } });
    const alarms = await deployer.alarms({ running: undefined, ignoreAlarms: "alarm stuck in ALARM" });
    expect(alarms.log).toBe("rollback alarms ignored for this deployment: alarm stuck in ALARM");
    await deployer.create({ taskDefinitionArn: TD(42), alarms, description: "" });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input.deploymentConfiguration).toEqual({
      ...deploymentConfiguration,
      alarms: {
        alarmNames: ["comments-api-prod-5xx", "comments-api-prod-unhealthy"],
        enable: false,
        rollback: false,
      },
    });
  });

  it("all at once (rollback --all-at-once): strategy BLUE_GREEN, the canary's configuration left out", async () => {
    ecs.on(UpdateServiceCommand).resolves({ service: { ...service, currentServiceDeployment: SD } });
    await deployer.create({
      taskDefinitionArn: TD(42),
      alarms: { log: "" },
      allAtOnce: true,
      description: "",
    });
    const { canaryConfiguration: _c, ...rest } = deploymentConfiguration;
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input.deploymentConfiguration).toEqual({
      ...rest,
      strategy: "BLUE_GREEN",
    });
  });

  it("a release after an all-at-once rollback runs the stack's declared CANARY again, not the BLUE_GREEN the rollback left on the service", async () => {
    // What DescribeServices answers after `rollback --all-at-once`: BLUE_GREEN, no canary.
    const { canaryConfiguration: _c, ...leftByRollback } = deploymentConfiguration;
    ecs.on(DescribeServicesCommand).resolves({
      services: [{ ...service, deploymentConfiguration: { ...leftByRollback, strategy: "BLUE_GREEN" } }],
      failures: [],
    });
    ecs.on(UpdateServiceCommand).resolves({ service: { ...service, currentServiceDeployment: SD } });
    const declared = ecsDeployer(client, target, {
      routing: { shift: { kind: "canary", percent: 10, intervalMinutes: 10 }, terminationWaitMinutes: 10 },
      judged: true,
      judgeHoldMinutes: 10,
    });
    await declared.create({ taskDefinitionArn: TD(42), alarms: { log: "" }, description: "" });
    // The declared canary: 10% for 10 minutes, all of them held by the judge, nothing left to bake.
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input.deploymentConfiguration).toEqual({
      ...deploymentConfiguration,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 0 },
    });
  });

  it("create returns this release's deployment, not an older one UpdateService still answers as current: ListServiceDeployments finds the one shipping the requested task definition", async () => {
    const OLD_SD = `${SD}-old`;
    const NEW_SD = `${SD}-new`;
    const NEW_REV = `${GREEN_REV}0`;
    ecs.on(UpdateServiceCommand).resolves({ service: { ...service, currentServiceDeployment: OLD_SD } });
    ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [OLD_SD] }).resolves({
      serviceDeployments: [deployment({ serviceDeploymentArn: OLD_SD, status: "SUCCESSFUL" })],
      failures: [],
    });
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: NEW_SD, targetServiceRevisionArn: NEW_REV, status: "PENDING" },
      ],
    });
    ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [
        { serviceRevisionArn: GREEN_REV, taskDefinition: TD(42) },
        { serviceRevisionArn: NEW_REV, taskDefinition: TD(43) },
      ],
    });
    expect(await deployer.create({ taskDefinitionArn: TD(43), alarms: { log: "" }, description: "" })).toBe(
      NEW_SD,
    );
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0]?.args[0].input).toEqual({
      cluster: "comments-api-prod",
      service: "comments-api-prod",
      status: ["PENDING", "IN_PROGRESS"],
    });
    // Nothing of this release among them: an error, never an older deployment reported as this one.
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    await expect(
      deployer.create({ taskDefinitionArn: TD(43), alarms: { log: "" }, description: "" }),
    ).rejects.toThrow(
      `UpdateService of comments-api-prod/comments-api-prod answered ${OLD_SD}, which ships ${TD(42)}, and no pending or running deployment ships ${TD(43)}`,
    );
  });

  it("reads a deployment that ECS rolled back after an alarm: failed, rolled back, saying why", async () => {
    ecs.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        deployment({
          status: "ROLLBACK_SUCCESSFUL",
          statusReason: "Service deployment rolled back because of alarm(s).",
          rollback: { reason: "Rolling back due to alarms", serviceRevisionArn: BLUE_REV },
          alarms: {
            status: "TRIGGERED",
            alarmNames: ["comments-api-prod-5xx"],
            triggeredAlarmNames: ["comments-api-prod-5xx"],
          },
          finishedAt: new Date("2026-12-07T03:10:00Z"),
        }),
      ],
      failures: [],
    });
    expect(await deployer.describe(SD)).toEqual({
      id: SD,
      status: "failed",
      statusText: "ROLLBACK_SUCCESSFUL",
      targetTaskDefinition: TD(42),
      sourceTaskDefinition: TD(41),
      rollback: { state: "succeeded" },
      failure:
        "ROLLBACK_SUCCESSFUL: Service deployment rolled back because of alarm(s).; Rolling back due to alarms; alarms in ALARM: comments-api-prod-5xx",
      completedAt: Date.parse("2026-12-07T03:10:00Z"),
    });
  });

  it("a deployment ECS does not know is an error naming it (DescribeServiceDeployments answers a failure)", async () => {
    ecs.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [],
      failures: [{ arn: SD, reason: "MISSING" }],
    });
    await expect(deployer.describe(SD)).rejects.toThrow(`service deployment ${SD} not found (MISSING)`);
  });

  it("progress: the lifecycle stage, the hooks running and the new revision's share of traffic", async () => {
    expect(
      progressOf(
        deployment({
          lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT",
          lifecycleHookDetails: [
            {
              targetType: "AWS_LAMBDA",
              targetArn: `${ARN}:function:comments-api-prod-judge`,
              status: "IN_PROGRESS",
            },
          ],
          targetServiceRevision: { arn: GREEN_REV, requestedProductionTrafficWeight: 10 },
        }),
      ),
    ).toEqual({
      line: "PRODUCTION_TRAFFIC_SHIFT; hook comments-api-prod-judge IN_PROGRESS; green 10% of traffic",
      greenWeight: 10,
    });
    ecs
      .on(DescribeServiceDeploymentsCommand)
      .rejects(new ServiceDeploymentNotFoundException({ message: "not found", $metadata: {} }));
    expect(await deployer.progress(SD)).toEqual({
      line: "progress not available (ServiceDeploymentNotFoundException: not found)",
    });
  });

  it("active: the deployments still moving, rollbacks included, with what they ship", async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: SD, targetServiceRevisionArn: GREEN_REV, status: "IN_PROGRESS" },
      ],
    });
    expect(await deployer.active()).toEqual([{ id: SD, targetTaskDefinition: TD(42) }]);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0]?.args[0].input).toEqual({
      cluster: "comments-api-prod",
      service: "comments-api-prod",
      status: ["PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"],
    });
  });

  it("stops with StopServiceDeployment ROLLBACK, and passes on ECS's error for one already finished", async () => {
    ecs.on(StopServiceDeploymentCommand).resolvesOnce({ serviceDeploymentArn: SD });
    await deployer.stopWithRollback(SD, "canary failed");
    expect(ecs.commandCalls(StopServiceDeploymentCommand)[0]?.args[0].input).toEqual({
      serviceDeploymentArn: SD,
      stopType: "ROLLBACK",
    });
    ecs.on(StopServiceDeploymentCommand).rejects(
      new ServiceDeploymentNotFoundException({
        message: "The service deploy ARN that you specified doesn't exist.",
        $metadata: {},
      }),
    );
    await expect(deployer.stopWithRollback(SD, "again")).rejects.toThrow(ServiceDeploymentNotFoundException);
  });

  it("succeeded: every page of SUCCESSFUL deployments, read with their source and target task definitions", async () => {
    const other = `${SD}-older`;
    ecs
      .on(ListServiceDeploymentsCommand)
      .resolvesOnce({ serviceDeployments: [{ serviceDeploymentArn: SD }], nextToken: "page-2" })
      .resolvesOnce({ serviceDeployments: [{ serviceDeploymentArn: other }] });
    ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [SD, other] }).resolves({
      serviceDeployments: [
        deployment({ status: "SUCCESSFUL", finishedAt: new Date(2000) }),
        deployment({
          serviceDeploymentArn: other,
          status: "SUCCESSFUL",
          finishedAt: new Date(1000),
          sourceServiceRevisions: [],
          targetServiceRevision: { arn: BLUE_REV },
        }),
      ],
    });
    expect(await deployer.succeeded()).toEqual([
      {
        id: SD,
        status: "succeeded",
        statusText: "SUCCESSFUL",
        targetTaskDefinition: TD(42),
        sourceTaskDefinition: TD(41),
        completedAt: 2000,
      },
      {
        id: other,
        status: "succeeded",
        statusText: "SUCCESSFUL",
        targetTaskDefinition: TD(41),
        completedAt: 1000,
      },
    ]);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      "page-2",
    ]);
  });

  it("running: the service's task definition and network; undefined when ECS has no such service", async () => {
    expect(await deployer.running()).toEqual({
      taskDefinition: TD(41),
      network: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-1"] },
    });
    ecs.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [{ arn: `${ARN}:service/comments-api-prod/comments-api-prod`, reason: "MISSING" }],
    });
    expect(await deployer.running()).toBeUndefined();
  });
});
