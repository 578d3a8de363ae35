/** The ECS deployment configuration of each routing, and the config key that picks the strategy. */
import { describe, expect, it } from "vitest";
import { parseStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { trafficRoutingOf } from "../src/config/routing";
import { ecsDeploymentConfiguration } from "../src/documents/ecs-deployment";
import { releaseTarget } from "../src/release/plan";
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
      ecsDeploymentConfiguration(routing("custom"), {
        ...hooks,
        judge: { arn: "judge", details: "{}", holdMinutes: 10 },
      }).lifecycleHooks,
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

  it("takes the judge's hold out of the canary's bake: ECS waits canaryBakeTimeInMinutes after the hook answers, so the canary lasts the interval, not hold + interval", () => {
    const judged = (holdMinutes: number) => ({
      ...hooks,
      judge: { arn: "judge", details: "{}", holdMinutes },
    });
    const bake = (deploymentConfig: string, holdMinutes: number) => {
      const { canaryConfiguration, linearConfiguration } = ecsDeploymentConfiguration(
        routing(deploymentConfig),
        judged(holdMinutes),
      );
      return { canaryConfiguration, linearConfiguration };
    };
    // prod: 10 looks a minute apart against a 10-minute canary: nothing left to bake.
    expect(bake("CodeDeployDefault.ECSCanary10Percent15Minutes", 10).canaryConfiguration).toEqual({
      canaryPercent: 10,
      canaryBakeTimeInMinutes: "5",
    });
    expect(bake("custom", 12).canaryConfiguration).toEqual({
      canaryPercent: 7,
      canaryBakeTimeInMinutes: "0",
    });
    expect(bake("custom", 20).canaryConfiguration).toEqual({
      canaryPercent: 7,
      canaryBakeTimeInMinutes: "0",
    });
    // A linear step's bake is every step's: the judge holds the first one longer (the deadline counts it).
    expect(bake("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", 10).linearConfiguration).toEqual({
      stepPercent: 10,
      stepBakeTimeInMinutes: "3",
    });
  });

  it("refuses a bake time ECS does not take", () => {
    expect(() => ecsDeploymentConfiguration(routing("custom", 1441), hooks)).toThrow(
      'terminationWaitMinutes="1441": releaseStrategy ecs keeps the old revision at most 1440 minutes (bakeTimeInMinutes)',
    );
  });
});

describe("the deadline of an ECS release", () => {
  const stage = readStackFile("stage");
  const specs = readConfigSpecs();
  const deadline = (extra: Record<string, string>) => {
    const result = parseStackConfig("stage", rawConfigFrom({ ...stage, ...extra }), specs);
    if (!result.ok) throw new Error(result.problems.join("; "));
    return releaseTarget(result.config).deadlineSeconds;
  };
  const ecs = { "comments-platform:releaseStrategy": "ecs", "comments-platform:canaryAnalysis": "canary" };
  const canary5 = {
    "comments-platform:deploymentConfig": "custom",
    "comments-platform:canaryIntervalMinutes": "5",
  };
  const linear = {
    "comments-platform:deploymentConfig": "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
  };

  it("counts the judge's hold at the production shift (10 looks x 1 minute), then what ECS still bakes", () => {
    // Task start 600 + smoke hook 120 + judge 600 + canary bake max(0, 5 - 10) + blue kept 300 + margin 300.
    expect(deadline({ ...ecs, ...canary5 })).toBe(600 + 120 + 600 + 0 + 300 + 300);
    // Linear: the judge holds the first step, then 10 steps of 3 minutes.
    expect(deadline({ ...ecs, ...linear })).toBe(600 + 120 + 600 + 10 * 3 * 60 + 300 + 300);
    // No judge: ECS's bake alone.
    expect(deadline({ ...ecs, ...canary5, "comments-platform:canaryAnalysis": "none" })).toBe(
      600 + 120 + 300 + 300 + 300,
    );
  });

  it("leaves CodeDeploy's deadline as it was: the runner judges within CodeDeploy's interval", () => {
    expect(deadline({ ...canary5, "comments-platform:canaryAnalysis": "canary" })).toBe(
      600 + 120 + 300 + 300 + 300,
    );
    expect(deadline({ ...linear, "comments-platform:canaryAnalysis": "canary" })).toBe(
      600 + 120 + 10 * 3 * 60 + 300 + 300,
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
