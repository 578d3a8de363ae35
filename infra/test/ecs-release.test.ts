/**
 * The release engine through the ECS-native adapter, on the release harness's clock with the ECS
 * timeline (ecs-timeline.ts): a canary that ECS and its hooks carry to the end, a canary the judge
 * hook fails, an alarm, the deadline, and a run that attaches to a deployment already under way.
 * ECS rolls back in place, so the engine follows the same service deployment to ROLLBACK_SUCCESSFUL
 * and fails the release: `up` never reports success over a silent rollback.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ReleaseError, release } from "../src/release/release";
import { ecsNative, serviceDeployment } from "./ecs-timeline";
import { NEW, OLD, type ReleaseHarness, releaseHarness, revision } from "./release-harness";

const SD = serviceDeployment("r9i43YFjvgF_xlg7m2eJ1r");
const CONSOLE =
  "https://sa-east-1.console.aws.amazon.com/ecs/v2/clusters/comments-api-prod/services/comments-api-prod/deployments?region=sa-east-1";
let aws: ReleaseHarness;
let ecs: ReturnType<typeof ecsNative>;
beforeEach(() => {
  aws = releaseHarness();
  ecs = ecsNative(aws);
});

/** The canary as ECS runs it: smoke hook, the judge holding 10%, all traffic, bake, done. */
const canaryThatSucceeds = () =>
  ecs
    .creates()
    .at(0)
    .status("IN_PROGRESS")
    .stage("SCALE_UP")
    .at(60)
    .stage("POST_TEST_TRAFFIC_SHIFT")
    .hook("comments-api-prod-smoke", "IN_PROGRESS")
    .at(90)
    .stage("PRODUCTION_TRAFFIC_SHIFT")
    .weight(10)
    .hook("comments-api-prod-judge", "IN_PROGRESS")
    .at(690)
    .weight(100)
    .hook("comments-api-prod-judge", "SUCCEEDED")
    .at(720)
    .stage("BAKE_TIME")
    .at(1320)
    .status("SUCCESSFUL")
    .stage("CLEAN_UP");

describe("the release engine on ECS-native deployments", () => {
  it("starts the canary with one UpdateService, streams ECS's stages and traffic, and succeeds with ECS", async () => {
    canaryThatSucceeds();
    expect(await release(ecs.deployer(), aws.options())).toEqual({ action: "deployed", deploymentId: SD });
    expect(ecs.updated()).toEqual([
      {
        cluster: "comments-api-prod",
        service: "comments-api-prod",
        taskDefinition: NEW,
        deploymentConfiguration: expect.objectContaining({
          strategy: "CANARY",
          alarms: {
            alarmNames: ["comments-api-prod-elb-5xx", "comments-api-prod-slo-fast-burn"],
            enable: true,
            rollback: true,
          },
        }),
      },
    ]);
    expect(aws.lines).toEqual([
      `+0s created deployment ${SD}: ${OLD} -> ${NEW}`,
      "+0s judged by the service's deployment alarms (ECS keeps one list per service, and names no live target group): comments-api-prod-elb-5xx, comments-api-prod-slo-fast-burn",
      `+0s deployment ${SD} IN_PROGRESS; SCALE_UP`,
      `+60s deployment ${SD} IN_PROGRESS; POST_TEST_TRAFFIC_SHIFT; hook comments-api-prod-smoke IN_PROGRESS`,
      `+90s deployment ${SD} IN_PROGRESS; PRODUCTION_TRAFFIC_SHIFT; hook comments-api-prod-judge IN_PROGRESS; green 10% of traffic`,
      `+690s deployment ${SD} IN_PROGRESS; PRODUCTION_TRAFFIC_SHIFT; hook comments-api-prod-judge SUCCEEDED; green 100% of traffic`,
      `+720s deployment ${SD} IN_PROGRESS; BAKE_TIME; hook comments-api-prod-judge SUCCEEDED; green 100% of traffic`,
      `+1320s deployment ${SD} SUCCESSFUL; CLEAN_UP; hook comments-api-prod-judge SUCCEEDED; green 100% of traffic`,
    ]);
  });

  it("fails the release when the judge hook fails the canary and ECS rolls back, saying why", async () => {
    ecs
      .creates()
      .at(0)
      .status("IN_PROGRESS")
      .stage("PRODUCTION_TRAFFIC_SHIFT")
      .weight(10)
      .hook("comments-api-prod-judge", "IN_PROGRESS")
      .at(150)
      .status("ROLLBACK_IN_PROGRESS")
      .hook("comments-api-prod-judge", "FAILED")
      .reason(
        "Service deployment rolled back because lifecycle hook failed.",
        "Lifecycle hook returned FAILED",
      )
      .weight(0)
      .at(210)
      .status("ROLLBACK_SUCCESSFUL");
    const failure = await release(ecs.deployer(), aws.options()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReleaseError);
    expect((failure as ReleaseError).message).toBe(
      `deployment ${SD} ROLLBACK_SUCCESSFUL: ROLLBACK_SUCCESSFUL: Service deployment rolled back because lifecycle hook failed.; Lifecycle hook returned FAILED; rolled back in place (succeeded); ${CONSOLE}`,
    );
    expect((failure as ReleaseError).deploymentId).toBe(SD);
    // ECS stopped it itself: the engine stops nothing.
    expect(ecs.stopped()).toEqual([]);
    expect(aws.lines.at(-1)).toBe(
      `+210s deployment ${SD} ROLLBACK_SUCCESSFUL; PRODUCTION_TRAFFIC_SHIFT; hook comments-api-prod-judge FAILED; green 0% of traffic`,
    );
  });

  it("fails the release when a deployment alarm rolls it back, naming the alarm", async () => {
    ecs
      .creates()
      .at(0)
      .status("IN_PROGRESS")
      .stage("BAKE_TIME")
      .weight(100)
      .at(300)
      .status("ROLLBACK_IN_PROGRESS")
      .triggered("comments-api-prod-elb-5xx")
      .reason("Service deployment rolled back because of alarm(s).")
      .at(345)
      .status("ROLLBACK_SUCCESSFUL");
    await expect(release(ecs.deployer(), aws.options())).rejects.toThrow(
      `deployment ${SD} ROLLBACK_SUCCESSFUL: ROLLBACK_SUCCESSFUL: Service deployment rolled back because of alarm(s).; alarms in ALARM: comments-api-prod-elb-5xx; rolled back in place (succeeded); ${CONSOLE}`,
    );
    // Followed until the rollback ended: not failed at the first ROLLBACK_IN_PROGRESS.
    expect(aws.clock).toBe(345_000);
  });

  it("a rollback that fails is a failed release too (ROLLBACK_FAILED)", async () => {
    ecs
      .creates()
      .at(0)
      .status("IN_PROGRESS")
      .at(30)
      .status("ROLLBACK_IN_PROGRESS")
      .reason("Service deployment rolled back because the circuit breaker is triggered.")
      .at(60)
      .status("ROLLBACK_FAILED");
    await expect(release(ecs.deployer(), aws.options())).rejects.toThrow(
      `deployment ${SD} ROLLBACK_FAILED: ROLLBACK_FAILED: Service deployment rolled back because the circuit breaker is triggered.; rolled back in place (failed); ${CONSOLE}`,
    );
  });

  it("stops with StopServiceDeployment ROLLBACK past the deadline and follows the rollback to its end", async () => {
    ecs
      .creates()
      .at(0)
      .status("IN_PROGRESS")
      .stage("PRODUCTION_TRAFFIC_SHIFT")
      .weight(10)
      .onStop()
      .at(0)
      .status("ROLLBACK_REQUESTED")
      .at(15)
      .status("ROLLBACK_IN_PROGRESS")
      .weight(0)
      .at(45)
      .status("ROLLBACK_SUCCESSFUL");
    await expect(release(ecs.deployer(), aws.options({ deadlineSeconds: 300 }))).rejects.toThrow(
      `deployment ${SD} did not finish within 300 s and was stopped with rollback; ${CONSOLE}`,
    );
    expect(ecs.stopped()).toEqual([{ serviceDeploymentArn: SD, stopType: "ROLLBACK" }]);
    expect(aws.lines.slice(-4)).toEqual([
      `+315s deadline of 300 s passed: stopping ${SD} with rollback`,
      `+315s deployment ${SD} ROLLBACK_REQUESTED; PRODUCTION_TRAFFIC_SHIFT; green 10% of traffic`,
      `+330s deployment ${SD} ROLLBACK_IN_PROGRESS; PRODUCTION_TRAFFIC_SHIFT; green 0% of traffic`,
      `+360s deployment ${SD} ROLLBACK_SUCCESSFUL; PRODUCTION_TRAFFIC_SHIFT; green 0% of traffic`,
    ]);
  });

  it("attaches to a deployment of the same revision already under way (a cancelled run), without a second UpdateService", async () => {
    const id = serviceDeployment("EZe5RNVLH6PPzHXINuP28");
    ecs
      .existing("EZe5RNVLH6PPzHXINuP28", NEW)
      .at(0)
      .status("IN_PROGRESS")
      .stage("BAKE_TIME")
      .weight(100)
      .at(120)
      .status("SUCCESSFUL");
    expect(await release(ecs.deployer(), aws.options())).toEqual({ action: "attached", deploymentId: id });
    expect(ecs.updated()).toEqual([]);
    expect(aws.lines[0]).toBe(`+0s attaching to deployment ${id}, already deploying ${NEW}`);
  });

  it("stops a deployment of another revision with rollback (onConflict stop), waits for its rollback, then releases", async () => {
    ecs
      .existing("older", revision(40))
      .at(0)
      .status("IN_PROGRESS")
      .onStop()
      .at(0)
      .status("ROLLBACK_IN_PROGRESS")
      .at(30)
      .status("ROLLBACK_SUCCESSFUL");
    canaryThatSucceeds();
    expect(await release(ecs.deployer(), aws.options({ onConflict: "stop" }))).toEqual({
      action: "deployed",
      deploymentId: SD,
    });
    expect(ecs.stopped()).toEqual([
      { serviceDeploymentArn: serviceDeployment("older"), stopType: "ROLLBACK" },
    ]);
    expect(ecs.updated().map((input) => input.taskDefinition)).toEqual([NEW]);
  });
});
