import { describe, expect, it } from "vitest";
import { DEPLOYMENT_CONFIGS, loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { buildAppSpec, smokeHookName } from "../src/release/appspec";
import { PREDEFINED_CONFIGS, releaseDeadlineSeconds, trafficShiftSeconds } from "../src/release/deadline";
import { releaseTarget } from "../src/release/plan";
import { readStackFile } from "../src/stack-file";

const specs = readConfigSpecs();

const ARN = "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:42";

describe("buildAppSpec", () => {
  it("builds the minimal document", () => {
    expect(
      buildAppSpec({ taskDefinitionArn: ARN, containerName: "comments-api", containerPort: 3000 }),
    ).toEqual({
      version: "0.0",
      Resources: [
        {
          TargetService: {
            Type: "AWS::ECS::Service",
            Properties: {
              TaskDefinition: ARN,
              LoadBalancerInfo: { ContainerName: "comments-api", ContainerPort: 3000 },
            },
          },
        },
      ],
    });
  });

  it("builds the full document with hooks in lifecycle order", () => {
    expect(
      buildAppSpec({
        taskDefinitionArn: ARN,
        containerName: "comments-api",
        containerPort: 3000,
        platformVersion: "1.4.0",
        hooks: {
          AfterAllowTraffic: "CodeDeployHook_prod_after",
          AfterAllowTestTraffic: smokeHookName("prod"),
        },
      }),
    ).toEqual({
      version: "0.0",
      Resources: [
        {
          TargetService: {
            Type: "AWS::ECS::Service",
            Properties: {
              TaskDefinition: ARN,
              LoadBalancerInfo: { ContainerName: "comments-api", ContainerPort: 3000 },
              PlatformVersion: "1.4.0",
            },
          },
        },
      ],
      Hooks: [
        { AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" },
        { AfterAllowTraffic: "CodeDeployHook_prod_after" },
      ],
    });
  });

  it("carries the tasks' network configuration, which a CODE_DEPLOY service takes only from a deployment", () => {
    expect(
      buildAppSpec({
        taskDefinitionArn: ARN,
        containerName: "comments-api",
        containerPort: 3000,
        network: { subnets: ["subnet-b", "subnet-a"], securityGroups: ["sg-1"] },
      }).Resources[0]?.TargetService.Properties,
    ).toEqual({
      TaskDefinition: ARN,
      LoadBalancerInfo: { ContainerName: "comments-api", ContainerPort: 3000 },
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: ["subnet-b", "subnet-a"],
          SecurityGroups: ["sg-1"],
          AssignPublicIp: "DISABLED",
        },
      },
    });
  });

  it("refuses a network configuration ECS would refuse", () => {
    expect(() =>
      buildAppSpec({
        taskDefinitionArn: ARN,
        containerName: "comments-api",
        containerPort: 3000,
        network: { subnets: [], securityGroups: ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"] },
      }),
    ).toThrow(
      "buildAppSpec: network.subnets must hold 1 to 16 subnet ids, got 0; network.securityGroups must hold 1 to 5 security group ids, got 6",
    );
  });

  it("refuses a task definition ARN without its revision", () => {
    expect(() =>
      buildAppSpec({
        taskDefinitionArn: "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod",
        containerName: "comments-api",
        containerPort: 3000,
      }),
    ).toThrow(
      'buildAppSpec: taskDefinitionArn "arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod" is not a task definition revision ARN',
    );
  });

  it("rejects what CodeDeploy would, naming every problem", () => {
    expect(() =>
      buildAppSpec({ taskDefinitionArn: "comments-api-prod", containerName: "", containerPort: 0 }),
    ).toThrow(
      'buildAppSpec: taskDefinitionArn "comments-api-prod" is not a task definition revision ARN; containerPort 0 must be an integer from 1 to 65535; containerName must not be empty',
    );
  });
});

describe("release deadline", () => {
  it.each([
    ["CodeDeployDefault.ECSAllAtOnce", 0],
    ["CodeDeployDefault.ECSCanary10Percent5Minutes", 300],
    ["CodeDeployDefault.ECSCanary10Percent15Minutes", 900],
    ["CodeDeployDefault.ECSLinear10PercentEvery1Minutes", 600],
    ["CodeDeployDefault.ECSLinear10PercentEvery3Minutes", 1800],
  ] as const)("%s shifts traffic in %i s", (name, seconds) => {
    expect(trafficShiftSeconds(PREDEFINED_CONFIGS[name])).toBe(seconds);
  });

  it("is one list with the configurations the parser accepts", () => {
    expect(DEPLOYMENT_CONFIGS).toEqual(Object.keys(PREDEFINED_CONFIGS));
    expect(DEPLOYMENT_CONFIGS).toHaveLength(5);
  });

  it("refuses to plan a configuration it has no routing for, instead of a zero-length shift", () => {
    const config = loadStackConfig("stage", rawConfigFrom(readStackFile("stage")), specs);
    const unknown = {
      ...config,
      release: { ...config.release, deploymentConfig: "CodeDeployDefault.ECSLinear5PercentEvery1Minutes" },
    };
    expect(() => releaseTarget(unknown)).toThrow(
      'release: deploymentConfig "CodeDeployDefault.ECSLinear5PercentEvery1Minutes" is not one of CodeDeployDefault.ECSAllAtOnce, CodeDeployDefault.ECSLinear10PercentEvery1Minutes, CodeDeployDefault.ECSLinear10PercentEvery3Minutes, CodeDeployDefault.ECSCanary10Percent5Minutes, CodeDeployDefault.ECSCanary10Percent15Minutes or custom',
    );
  });

  it("adds task start, hooks, traffic shift, termination wait and margin", () => {
    expect(
      releaseDeadlineSeconds({
        hookSeconds: 300,
        hookCount: 1,
        trafficShiftSeconds: 300,
        terminationWaitSeconds: 300,
      }),
    ).toBe(600 + 300 + 300 + 300 + 300);
    expect(
      releaseDeadlineSeconds({
        hookSeconds: 120,
        hookCount: 2,
        trafficShiftSeconds: 0,
        terminationWaitSeconds: 60,
        taskStartSeconds: 300,
        marginSeconds: 60,
      }),
    ).toBe(300 + 240 + 0 + 60 + 60);
  });
});
