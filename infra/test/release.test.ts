/**
 * The release engine over the CodeDeploy adapter, AWS as a timeline (release-harness.ts): what it
 * creates, what it prints, when it stops, attaches, waits and fails. Exact log lines.
 */
import { type DeploymentInfo, GetDeploymentTargetCommand } from "@aws-sdk/client-codedeploy";
import { beforeEach, describe, expect, it } from "vitest";
import { alarmsForRelease, viewOf } from "../src/release/codedeploy-deployer";
import { nextStep, type ReleaseOptions, release } from "../src/release/release";
import {
  ALARMS,
  consoleLink,
  NEW,
  OLD,
  type ReleaseHarness,
  releaseHarness,
  TARGET,
  TARGET_GROUPS,
} from "./release-harness";

let aws: ReleaseHarness;
const run = (extra: Partial<ReleaseOptions> = {}) => release(aws.deployer(), aws.options(extra));
beforeEach(() => {
  aws = releaseHarness();
  aws.service(OLD, { colour: "blue" });
});

const JUDGED_BY_GREEN =
  "+0s judged by the rollback alarms of green (the replacement, on comments-api-prod-green-77c0d1b) and the load balancer: comments-api-prod-green-5xx, comments-api-prod-green-p99, comments-api-prod-green-unhealthy, comments-api-prod-elb-5xx";

describe("the alarms a release is judged by", () => {
  const created = async (extra: Partial<ReleaseOptions> = {}) => {
    aws.creates("d-1").status("Succeeded");
    await run(extra);
    return aws.created()[0];
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
    expect(aws.lines[1]).toBe(JUDGED_BY_GREEN);
  });

  it("live on green: blue's alarms and the load balancer's", async () => {
    aws.service(OLD, { colour: "green" });
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
    expect(aws.lines[1]).toBe(
      "+0s rollback alarms ignored for this deployment: INC-42: hotfix while green-5xx is in alarm",
    );
  });

  it("no live task set to tell the colours by: the group's own alarms, and the log says so", async () => {
    aws.service(OLD);
    const input = await created();
    expect(input?.overrideAlarmConfiguration).toBeUndefined();
    expect(aws.lines[1]).toBe(
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
    aws.service(NEW);
    expect(await run()).toEqual({ action: "none" });
    expect(aws.created()).toHaveLength(0);
    expect(aws.lines).toEqual([`+0s comments-api-prod already runs ${NEW}: nothing to release`]);
  });

  it("creates the deployment with the AppSpec and prints one line per change until it succeeds", async () => {
    aws
      .creates("d-1")
      .at(0)
      .event("AfterAllowTestTraffic", "InProgress")
      .weight(0)
      .at(30)
      .event("AfterAllowTraffic", "Succeeded")
      .weight(100)
      .at(45)
      .status("Succeeded");
    expect(
      await release(
        aws.deployer({ ...TARGET, hooks: { AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" } }),
        aws.options(),
      ),
    ).toEqual({
      action: "deployed",
      deploymentId: "d-1",
    });
    expect(aws.lines).toEqual([
      `+0s created deployment d-1: ${OLD} -> ${NEW}`,
      JUDGED_BY_GREEN,
      "+0s deployment d-1 InProgress; AfterAllowTestTraffic InProgress; green 0% of traffic",
      "+30s deployment d-1 InProgress; AfterAllowTraffic Succeeded; green 100% of traffic",
      "+45s deployment d-1 Succeeded; AfterAllowTraffic Succeeded; green 100% of traffic",
    ]);
    const input = aws.created()[0];
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

  it("an alarm: CodeDeploy fails and rolls back by itself; the release waits for the rollback, then fails with CodeDeploy's code, message and the console link", async () => {
    aws
      .creates("d-1")
      .at(30)
      .status("Failed")
      .error("ALARM_ACTIVE", "One or more alarms have been activated")
      .rolledBackBy("d-2");
    aws.deployment("d-2").ships(OLD).at(0).status("InProgress").at(15).status("Succeeded");
    await expect(run()).rejects.toThrow(
      `deployment d-1 Failed: ALARM_ACTIVE: One or more alarms have been activated; rolled back by d-2 (Succeeded); ${consoleLink("d-1")}`,
    );
    expect(aws.lines.slice(2)).toEqual([
      "+0s deployment d-1 InProgress",
      "+30s deployment d-1 Failed",
      "+30s waiting for rollback deployment d-2",
      "+30s deployment d-2 InProgress",
      "+45s deployment d-2 Succeeded",
    ]);
    expect(aws.stopped()).toEqual([]);
  });

  it("fails when the deployment was stopped", async () => {
    aws.creates("d-1").status("Stopped").error("MANUAL_STOP", "stopped by user");
    await expect(run()).rejects.toThrow(
      `deployment d-1 Stopped: MANUAL_STOP: stopped by user; no rollback deployment; ${consoleLink("d-1")}`,
    );
  });

  it("attaches to a deployment under way of the same revision instead of creating one, and follows it to success", async () => {
    aws.existing("d-9").ships(NEW).at(0).status("InProgress").at(30).status("Succeeded");
    expect(await run()).toEqual({ action: "attached", deploymentId: "d-9" });
    expect(aws.created()).toHaveLength(0);
    expect(aws.lines).toEqual([
      `+0s attaching to deployment d-9, already deploying ${NEW}`,
      "+0s deployment d-9 InProgress",
      "+30s deployment d-9 Succeeded",
    ]);
  });

  it("fails on an active deployment of another revision when told to, touching nothing", async () => {
    aws.existing("d-9").ships(OLD).at(0).status("InProgress");
    await expect(run()).rejects.toThrow(
      `deployment d-9 of ${OLD} is in progress; wait for it, or stop it (pnpm release rollback), then run again; ${consoleLink("d-9")}`,
    );
    expect(aws.stopped()).toHaveLength(0);
    expect(aws.created()).toHaveLength(0);
  });

  it("a conflicting deployment: stops it with rollback when told to, waits for its rollback, then deploys", async () => {
    aws.existing("d-9").ships(OLD).at(0).status("InProgress").onStop("d-8");
    aws.deployment("d-8").ships(OLD).at(0).status("InProgress").at(30).status("Succeeded");
    aws.creates("d-10").at(15).status("Succeeded");
    expect(await run({ onConflict: "stop" })).toEqual({ action: "deployed", deploymentId: "d-10" });
    expect(aws.stopped()).toEqual([{ deploymentId: "d-9", autoRollbackEnabled: true }]);
    expect(aws.lines).toEqual([
      `+0s stopping deployment d-9 of ${OLD} with rollback`,
      "+0s deployment d-9 Stopped",
      "+0s waiting for rollback deployment d-8",
      "+0s deployment d-8 InProgress",
      "+30s deployment d-8 Succeeded",
      `+30s created deployment d-10: ${OLD} -> ${NEW}`,
      "+30s judged by the rollback alarms of green (the replacement, on comments-api-prod-green-77c0d1b) and the load balancer: comments-api-prod-green-5xx, comments-api-prod-green-p99, comments-api-prod-green-unhealthy, comments-api-prod-elb-5xx",
      "+30s deployment d-10 InProgress",
      "+45s deployment d-10 Succeeded",
    ]);
  });

  it("attaches when another run created the same deployment first (DeploymentLimitExceededException)", async () => {
    aws.deployment("d-7").ships(NEW).racing().at(0).status("InProgress").at(15).status("Succeeded");
    expect(await run()).toEqual({ action: "attached", deploymentId: "d-7" });
    expect(aws.lines[0]).toBe("+0s another run started deployment d-7 of the same revision: attaching");
    expect(aws.created()).toHaveLength(1);
  });

  it("another run's deployment of another revision got there first: fails, naming it", async () => {
    aws.deployment("d-7").ships(OLD).racing().at(0).status("InProgress");
    await expect(run()).rejects.toThrow(
      "CodeDeploy allows one deployment per group and d-7 is active for a different revision; run again once it ends",
    );
  });

  it("the deadline: stops the deployment with rollback once it passes, follows the rollback, and fails", async () => {
    aws.creates("d-1").onStop("d-2");
    aws.deployment("d-2").ships(OLD).at(0).status("InProgress").at(15).status("Succeeded");
    await expect(run({ deadlineSeconds: 60 })).rejects.toThrow(
      `deployment d-1 did not finish within 60 s and was stopped with rollback; ${consoleLink("d-1")}`,
    );
    expect(aws.stopped()).toEqual([{ deploymentId: "d-1", autoRollbackEnabled: true }]);
    expect(aws.lines.slice(2)).toEqual([
      "+0s deployment d-1 InProgress",
      "+75s deadline of 60 s passed: stopping d-1 with rollback",
      "+75s deployment d-1 Stopped",
      "+75s waiting for rollback deployment d-2",
      "+75s deployment d-2 InProgress",
      "+90s deployment d-2 Succeeded",
    ]);
  });

  // CodeDeploy answers GetDeploymentTarget with these for a while after CreateDeployment (the API
  // reference lists both for GetDeploymentTarget); the release must keep following the deployment.
  it("keeps following a deployment while GetDeploymentTarget says it has not started or has no target yet", async () => {
    aws
      .creates("d-1")
      .at(0)
      .status("Created")
      .target("DeploymentNotStartedException")
      .at(15)
      .status("InProgress")
      .target("DeploymentTargetDoesNotExistException")
      .at(30)
      .status("Succeeded")
      .target(undefined)
      .event("AfterAllowTraffic", "Succeeded")
      .weight(100);
    expect(await run()).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(aws.lines).toEqual([
      `+0s created deployment d-1: ${OLD} -> ${NEW}`,
      JUDGED_BY_GREEN,
      "+0s deployment d-1 Created; progress not available yet (DeploymentNotStartedException)",
      "+15s deployment d-1 InProgress; progress not available yet (DeploymentTargetDoesNotExistException)",
      "+30s deployment d-1 Succeeded; AfterAllowTraffic Succeeded; green 100% of traffic",
    ]);
  });

  it("never ends a release because progress could not be read", async () => {
    aws.creates("d-1").at(15).status("Succeeded");
    aws.codedeploy
      .on(GetDeploymentTargetCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    expect(await run()).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(aws.lines.slice(2)).toEqual([
      "+0s deployment d-1 InProgress; progress not available (AccessDeniedException: User is not authorized)",
      "+15s deployment d-1 Succeeded; progress not available (AccessDeniedException: User is not authorized)",
    ]);
  });

  const NETWORK = { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-service"] };

  it("puts the desired network configuration in the AppSpec", async () => {
    aws.creates("d-1").status("Succeeded");
    await run({ network: NETWORK });
    const content = aws.created()[0]?.revision?.appSpecContent?.content;
    expect(JSON.parse(content ?? "{}").Resources[0].TargetService.Properties.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: {
        Subnets: ["subnet-a", "subnet-b"],
        SecurityGroups: ["sg-service"],
        AssignPublicIp: "DISABLED",
      },
    });
  });

  it("releases the same revision when only the network configuration changed", async () => {
    aws.service(NEW, { network: { subnets: ["subnet-a", "subnet-old"], securityGroups: ["sg-service"] } });
    aws.creates("d-1").status("Succeeded");
    expect(await run({ network: NETWORK })).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(aws.lines[0]).toBe(
      `+0s created deployment d-1: ${NEW} -> ${NEW} (network: subnets subnet-a,subnet-old -> subnet-a,subnet-b)`,
    );
  });

  it("releases the same revision when only the security groups changed", async () => {
    aws.service(NEW, { network: { subnets: ["subnet-b", "subnet-a"], securityGroups: ["sg-old"] } });
    aws.creates("d-1").status("Succeeded");
    expect(await run({ network: NETWORK })).toEqual({ action: "deployed", deploymentId: "d-1" });
    expect(aws.lines[0]).toBe(
      `+0s created deployment d-1: ${NEW} -> ${NEW} (network: security groups sg-old -> sg-service)`,
    );
  });

  it("does nothing when revision and network configuration are what the service runs, in any order", async () => {
    aws.service(NEW, { network: { subnets: ["subnet-b", "subnet-a"], securityGroups: ["sg-service"] } });
    expect(await run({ network: NETWORK })).toEqual({ action: "none" });
    expect(aws.created()).toHaveLength(0);
  });
});

// One poll, one decision (cdk-ecs-codedeploy's is-complete, as a table), over CodeDeploy's statuses
// as the adapter reads them.
describe("nextStep", () => {
  const deployment = (status: string, extra: Partial<DeploymentInfo> = {}) =>
    viewOf({ deploymentId: "d-1", status, ...extra } as DeploymentInfo, "d-1");
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

  // A rollback in place (ECS-native: ROLLBACK_* statuses of the same deployment) has no deployment to follow.
  it.each([
    ["in-progress", { next: "wait" }],
    [
      "succeeded",
      {
        next: "failed",
        reason: "deployment s-1 ROLLBACK_SUCCESSFUL: no reason given; rolled back in place (succeeded)",
      },
    ],
    [
      "failed",
      {
        next: "failed",
        reason: "deployment s-1 ROLLBACK_FAILED: no reason given; rolled back in place (failed)",
      },
    ],
  ] as const)("rolled back in place, %s -> %j", (state, decision) => {
    const statusText =
      state === "in-progress"
        ? "ROLLBACK_IN_PROGRESS"
        : state === "succeeded"
          ? "ROLLBACK_SUCCESSFUL"
          : "ROLLBACK_FAILED";
    expect(nextStep({ id: "s-1", status: "failed", statusText, rollback: { state } })).toEqual(decision);
  });
});
