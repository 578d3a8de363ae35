/**
 * Our CodeDeploy requests through the real AWS SDK against moto (an AWS API emulator), to prove they
 * have shapes the API accepts. Needs `python3 -m moto.server` (pip install 'moto[server]').
 */
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  ListDeploymentsCommand,
} from "@aws-sdk/client-codedeploy";
import {
  MOTO_SKIP_REASON,
  type Moto,
  motoClientConfig,
  skipMoto,
  startMoto,
} from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAppSpec, smokeHookName } from "../src/release/appspec";

const TASK = "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-stage:7";

describe.skipIf(skipMoto)(`CodeDeploy requests against moto${MOTO_SKIP_REASON}`, () => {
  let moto: Moto;
  let client: CodeDeployClient;

  beforeAll(async () => {
    moto = await startMoto();
    client = new CodeDeployClient(motoClientConfig(moto.endpoint));
  });
  afterAll(() => {
    moto?.stop();
  });

  it("creates the application, the blue/green deployment group and a deployment with our AppSpec", async () => {
    await client.send(
      new CreateApplicationCommand({ applicationName: "comments-api-stage", computePlatform: "ECS" }),
    );
    await client.send(
      new CreateDeploymentGroupCommand({
        applicationName: "comments-api-stage",
        deploymentGroupName: "comments-api-stage",
        serviceRoleArn: "arn:aws:iam::123456789012:role/comments-api-stage-codedeploy",
        deploymentConfigName: "CodeDeployDefault.ECSAllAtOnce",
        deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
        ecsServices: [{ clusterName: "comments-api-stage", serviceName: "comments-api-stage" }],
        blueGreenDeploymentConfiguration: {
          deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
          terminateBlueInstancesOnDeploymentSuccess: { action: "TERMINATE", terminationWaitTimeInMinutes: 1 },
        },
        loadBalancerInfo: {
          targetGroupPairInfoList: [
            {
              targetGroups: [{ name: "comments-api-stage-blue" }, { name: "comments-api-stage-green" }],
              prodTrafficRoute: {
                listenerArns: ["arn:aws:elasticloadbalancing:sa-east-1:123456789012:listener/app/a/1/2"],
              },
              testTrafficRoute: {
                listenerArns: ["arn:aws:elasticloadbalancing:sa-east-1:123456789012:listener/app/a/1/3"],
              },
            },
          ],
        },
        autoRollbackConfiguration: {
          enabled: true,
          events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
        alarmConfiguration: { enabled: true, alarms: [{ name: "comments-api-stage-green-5xx" }] },
      }),
    );
    const appSpec = buildAppSpec({
      taskDefinitionArn: TASK,
      containerName: "comments-api",
      containerPort: 3000,
      platformVersion: "1.4.0",
      hooks: { AfterAllowTestTraffic: smokeHookName("stage") },
    });
    const { deploymentId } = await client.send(
      new CreateDeploymentCommand({
        applicationName: "comments-api-stage",
        deploymentGroupName: "comments-api-stage",
        revision: { revisionType: "AppSpecContent", appSpecContent: { content: JSON.stringify(appSpec) } },
      }),
    );
    // AWS issues "d-XXXXXXXXX"; moto a UUID. Either way an id comes back.
    expect(deploymentId?.length ?? 0).toBeGreaterThan(0);
    // moto 5.2 stops here: GetDeployment answers with timestamps the SDK rejects, and
    // StopDeployment is not implemented. The engine's use of those two is covered against
    // aws-sdk-client-mock (release.test.ts); the AppSpec has its own whole-document tests.
    const { deployments } = await client.send(
      new ListDeploymentsCommand({
        applicationName: "comments-api-stage",
        deploymentGroupName: "comments-api-stage",
      }),
    );
    expect(deployments).toEqual([deploymentId]);
  });
});
