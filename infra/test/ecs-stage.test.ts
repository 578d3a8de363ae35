/**
 * The stage stack with `releaseStrategy: ecs` under Pulumi mocks: all at once is ECS's BLUE_GREEN,
 * blue kept 5 minutes, the smoke hook only (stage judges no canary).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { violations } from "../policy/rules";
import { readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { countByType, ofType, one } from "./helpers";

let result: SynthResult;
beforeAll(async () => {
  result = await synth({
    stack: "stage",
    preview: false,
    config: { ...readStackFile("stage"), "comments-platform:releaseStrategy": "ecs" },
  });
});

const arn = (service: string, name: string) => `arn:aws:${service}:sa-east-1:123456789012:${name}`;

describe("stage, released by ECS", () => {
  it("runs a BLUE_GREEN deployment, blue kept 5 minutes, the smoke hook on test traffic and no judge", () => {
    const service = one(result, "aws:ecs/service:Service");
    expect(service.inputs.deploymentController).toEqual({ type: "ECS" });
    expect(service.inputs.deploymentConfiguration).toEqual({
      strategy: "BLUE_GREEN",
      bakeTimeInMinutes: "5",
      lifecycleHooks: [
        {
          hookTargetArn: arn("lambda", "comments-api-stage-smoke"),
          lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"],
          roleArn: arn("iam", "comments-api-stage-ecs-hooks"),
        },
      ],
    });
    expect(
      JSON.parse(
        String(one(result, "aws:iam/rolePolicy:RolePolicy", "comments-api-stage-ecs-hooks").inputs.policy),
      ).Statement[0].Resource,
    ).toEqual([arn("lambda", "comments-api-stage-smoke")]);
    expect(ofType(result, "aws:lambda/function:Function").map((f) => f.name)).toEqual([
      "comments-api-stage-smoke",
    ]);
  });

  it("shifts the stage listeners' rules, and releases with --strategy ecs and no analysis", () => {
    expect(
      ofType(result, "aws:lb/listenerRule:ListenerRule").map((r) => [r.name, r.inputs.listenerArn]),
    ).toEqual([
      ["comments-api-stage-production-rule", arn("lb", "comments-api-stage-production")],
      ["comments-api-stage-test-rule", arn("lb", "comments-api-stage-test")],
    ]);
    expect(String(one(result, "command:local:Command").inputs.create)).toMatch(/ --strategy ecs$/);
    const counts = countByType(result);
    expect(Object.keys(counts).filter((type) => /codedeploy/i.test(type))).toEqual([]);
    // Roles: execution, task, smoke, grafana, and ECS's two; no CodeDeploy role.
    expect(ofType(result, "aws:iam/role:Role").map((r) => r.name)).toEqual([
      "comments-api-stage-ecs-hooks",
      "comments-api-stage-ecs-load-balancers",
      "comments-api-stage-execution",
      "comments-api-stage-grafana",
      "comments-api-stage-smoke",
      "comments-api-stage-task",
    ]);
  });

  it("passes every policy rule, ecs-alarm-rollback included", () => {
    expect(
      violations(
        result.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, stack: "stage" })),
      ),
    ).toEqual([]);
  });
});
