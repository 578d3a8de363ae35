/** The ECS deployment configuration of each routing, and the config key that picks the strategy. */
import { describe, expect, it } from "vitest";
import { parseStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { trafficRoutingOf } from "../src/config/routing";
import { ecsDeploymentConfiguration } from "../src/documents/ecs-deployment";
import { readStackFile } from "../src/stack-file";

const hooks = { roleArn: "role", smoke: "smoke" };
const routing = (deploymentConfig: string, terminationWaitMinutes = 5) =>
  trafficRoutingOf({ deploymentConfig, canaryPercent: 7, canaryIntervalMinutes: 12, terminationWaitMinutes });

describe("ecsDeploymentConfiguration", () => {
  it("keeps each CodeDeploy routing's shift: all at once is BLUE_GREEN, canaries and linear steps keep percent and interval", () => {
    const smoke = [{ hookTargetArn: "smoke", roleArn: "role", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }];
    expect(ecsDeploymentConfiguration(routing("CodeDeployDefault.ECSAllAtOnce"), hooks)).toEqual({
      strategy: "BLUE_GREEN",
      bakeTimeInMinutes: "5",
      lifecycleHooks: smoke,
    });
    expect(ecsDeploymentConfiguration(routing("custom", 15), hooks)).toEqual({
      strategy: "CANARY",
      bakeTimeInMinutes: "15",
      canaryConfiguration: { canaryPercent: 7, canaryBakeTimeInMinutes: "12" },
      lifecycleHooks: smoke,
    });
    expect(
      ecsDeploymentConfiguration(routing("CodeDeployDefault.ECSCanary10Percent15Minutes"), hooks),
    ).toEqual({
      strategy: "CANARY",
      bakeTimeInMinutes: "5",
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "15" },
      lifecycleHooks: smoke,
    });
    expect(
      ecsDeploymentConfiguration(routing("CodeDeployDefault.ECSLinear10PercentEvery3Minutes"), hooks),
    ).toEqual({
      strategy: "LINEAR",
      bakeTimeInMinutes: "5",
      linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: "3" },
      lifecycleHooks: smoke,
    });
  });

  it("puts the judge at the production shift with its details, after the smoke hook", () => {
    expect(
      ecsDeploymentConfiguration(routing("custom"), { ...hooks, judge: { arn: "judge", details: "{}" } })
        .lifecycleHooks,
    ).toEqual([
      { hookTargetArn: "smoke", roleArn: "role", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] },
      {
        hookTargetArn: "judge",
        roleArn: "role",
        lifecycleStages: ["PRODUCTION_TRAFFIC_SHIFT"],
        hookDetails: "{}",
      },
    ]);
  });

  it("refuses a bake time ECS does not take", () => {
    expect(() => ecsDeploymentConfiguration(routing("custom", 1441), hooks)).toThrow(
      'terminationWaitMinutes="1441": releaseStrategy ecs keeps the old revision at most 1440 minutes (bakeTimeInMinutes)',
    );
  });
});

describe("releaseStrategy", () => {
  const stage = readStackFile("stage");
  const specs = readConfigSpecs();
  const raw = (extra: Record<string, string>) => rawConfigFrom({ ...stage, ...extra });

  it("is codedeploy by default, ecs when set", () => {
    const parsed = (extra: Record<string, string>) => {
      const result = parseStackConfig("stage", raw(extra), specs);
      return result.ok ? result.config.release.strategy : result.problems;
    };
    expect(parsed({})).toBe("codedeploy");
    expect(parsed({ "comments-platform:releaseStrategy": "ecs" })).toBe("ecs");
    expect(parsed({ "comments-platform:releaseStrategy": "codedeploy" })).toBe("codedeploy");
  });

  it("refuses any other value, and a termination wait ECS cannot bake, naming the key", () => {
    const problems = (extra: Record<string, string>) => {
      const result = parseStackConfig("stage", raw(extra), specs);
      return result.ok ? [] : result.problems;
    };
    expect(problems({ "comments-platform:releaseStrategy": "ECS" })).toEqual([
      'releaseStrategy="ECS": must be one of codedeploy, ecs',
    ]);
    expect(
      problems({
        "comments-platform:releaseStrategy": "ecs",
        "comments-platform:terminationWaitMinutes": "2000",
      }),
    ).toEqual([
      'terminationWaitMinutes="2000": releaseStrategy ecs keeps the old revision at most 1440 minutes (bakeTimeInMinutes)',
    ]);
    // CodeDeploy waits up to 2880 minutes: the same value is fine there.
    expect(problems({ "comments-platform:terminationWaitMinutes": "2000" })).toEqual([]);
  });
});
