/**
 * The ECS adapter's calls that moto serves (DescribeServices, UpdateService), through the real AWS
 * SDK, to prove their shapes go through a real JSON protocol. moto 5.2.1 has no service
 * deployments (DescribeServiceDeployments, ListServiceDeployments, StopServiceDeployment,
 * DescribeServiceRevisions), and its UpdateService answer has no currentServiceDeployment: those
 * are tested against aws-sdk-client-mock (ecs-deployer.test.ts); nor does it keep a service's
 * deploymentConfiguration. Needs `python3 -m moto.server`.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import {
  MOTO_SKIP_REASON,
  type Moto,
  motoClientConfig,
  skipMoto,
  startMoto,
} from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ecsDeployer } from "../src/release/ecs-deployer";

const target = { region: "sa-east-1", cluster: "comments-api-stage", service: "comments-api-stage" };
const deploymentConfiguration = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  alarms: { alarmNames: ["comments-api-stage-5xx"], enable: true, rollback: true },
  strategy: "CANARY" as const,
  bakeTimeInMinutes: 5,
  canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 10 },
};

describe.skipIf(skipMoto)(`the ECS adapter against moto${MOTO_SKIP_REASON}`, () => {
  let moto: Moto;
  let ecs: ECSClient;
  const taskDefinitions: string[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    ecs = new ECSClient(motoClientConfig(moto.endpoint));
    await ecs.send(new CreateClusterCommand({ clusterName: target.cluster }));
    for (let i = 0; i < 2; i += 1) {
      const { taskDefinition } = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: "comments-api-stage",
          networkMode: "awsvpc",
          requiresCompatibilities: ["FARGATE"],
          cpu: "256",
          memory: "512",
          containerDefinitions: [{ name: "comments-api", image: `comments-api:${i}`, essential: true }],
        }),
      );
      taskDefinitions.push(taskDefinition?.taskDefinitionArn ?? "");
    }
    await ecs.send(
      new CreateServiceCommand({
        cluster: target.cluster,
        serviceName: target.service,
        taskDefinition: taskDefinitions[0],
        desiredCount: 2,
        launchType: "FARGATE",
        deploymentController: { type: "ECS" },
        deploymentConfiguration,
      }),
    );
  });
  afterAll(() => {
    moto?.stop();
  });

  it("reads the running service and its alarms, and starts a release with one UpdateService", async () => {
    const deployer = ecsDeployer(ecs, target);
    // No network: moto checks subnets against its EC2, which this suite does not set up.
    expect(await deployer.running()).toEqual({ taskDefinition: taskDefinitions[0] });
    // moto keeps no deploymentConfiguration (strategy, alarms, hooks): the adapter reads no alarms.
    const alarms = await deployer.alarms({ running: undefined });
    expect(alarms).toEqual({
      log: "no deployment alarms on the service: the lifecycle hooks judge this release",
    });
    // moto applies the update but answers no currentServiceDeployment (it has no service deployments).
    await expect(
      deployer.create({
        taskDefinitionArn: taskDefinitions[1] ?? "",
        alarms,
        description: "",
      }),
    ).rejects.toThrow(
      "UpdateService of comments-api-stage/comments-api-stage answered no currentServiceDeployment",
    );
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
    );
    expect(services?.[0]?.taskDefinition).toBe(taskDefinitions[1]);
    expect(services?.[0]?.deploymentConfiguration).toBeUndefined();
  });
});
