/**
 * Both stacks with `releaseStrategy: ecs` under the IAM engine: every resource type has a call table,
 * the deploy role may make every provider call (the service passes ECS its two roles) and the
 * release's ECS calls, and every role the deploy creates (ECS's infrastructure role for load
 * balancers, the hook role, the judge) may make each of its calls inside the boundary.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runtimeCalls } from "./iam/calls-runtime";
import { evaluate, unexpected, type Verdict } from "./iam/engine";
import { ciRole, loadPlatform, type Platform, STACKS, stackRole } from "./iam/principals";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";
import { deployCalls, PROGRAM_CALLS, uncovered } from "./iam/tables";

/** What an `ecs` stack adds to a deploy: the service passes ECS its two roles, the rules, the release's ECS calls. */
const ecsCalls = (stack: string) => [
  `create iam:PassRole role/comments-api-${stack}-ecs-load-balancers`,
  `create iam:PassRole role/comments-api-${stack}-ecs-hooks`,
  `update ecs:UpdateService service/comments-api-${stack}/comments-api-${stack}`,
  `update iam:PassRole role/comments-api-${stack}-ecs-load-balancers`,
  `update iam:PassRole role/comments-api-${stack}-ecs-hooks`,
  ...["production", "test"].flatMap(() => [
    "create elasticloadbalancing:CreateRule listener",
    "read elasticloadbalancing:DescribeRules *",
    "update elasticloadbalancing:ModifyRule listener-rule",
    "update elasticloadbalancing:SetRulePriorities listener-rule",
    "delete elasticloadbalancing:DeleteRule listener-rule",
  ]),
  `create ecs:UpdateService service/comments-api-${stack}/comments-api-${stack}`,
  `create ecs:ListServiceDeployments service/comments-api-${stack}/comments-api-${stack}`,
  `create ecs:DescribeServiceDeployments service-deployment/comments-api-${stack}/comments-api-${stack}/AbCdEf0123456789`,
  `create ecs:StopServiceDeployment service-deployment/comments-api-${stack}/comments-api-${stack}/AbCdEf0123456789`,
  `create ecs:DescribeServiceRevisions service-revision/comments-api-${stack}/comments-api-${stack}/1234567890123456789`,
  `create iam:PassRole role/comments-api-${stack}-ecs-load-balancers`,
];
let platform: Platform;
beforeAll(() => {
  platform = loadPlatform({}, { releaseStrategy: "ecs" });
}, 180_000);

describe("an ecs stack's roles, call by call", () => {
  it("has a call table for every resource type either ecs stack declares", () => {
    for (const stack of STACKS) expect(uncovered(platform.stacks[stack]), stack).toEqual([]);
  });

  for (const stack of STACKS) {
    it(`lets the ${stack} deploy role make every provider call and the ECS release's calls`, async () => {
      const result = platform.stacks[stack];
      const calls = deployCalls(result);
      // What an ecs stack adds: the rules, ECS's roles passed to ECS, the release's ECS calls.
      const added = calls
        .filter(
          (c) =>
            /^elasticloadbalancing:.*Rule|ServiceDeployment|ServiceRevisions|^ecs:UpdateService$/.test(
              c.action,
            ) || c.context?.["iam:PassedToService"] === "ecs.amazonaws.com",
        )
        .map(
          (c) =>
            `${c.verb} ${c.action} ${c.resource
              .replace(/^arn:aws:[a-z-]+:[a-z0-9-]*:\d*:/, "")
              .replace(/^(listener(-rule)?)\/app\/.*$/, "$1")
              .replace(/-[0-9a-f]{7}$/, "")}`,
        );
      expect(added).toEqual(ecsCalls(stack));
      const verdicts: Verdict[] = await evaluate(
        ciRole(platform, `deploy-${stack}`),
        withResourcePolicies([...PROGRAM_CALLS, ...calls], resourcePolicies(result, platform.bootstrap)),
      );
      expect(unexpected(verdicts, "Allowed")).toEqual([]);
    });

    it(`lets every ${stack} role make each of its calls, inside the boundary`, async () => {
      const result = platform.stacks[stack];
      const tables = runtimeCalls(result);
      const roles = result.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.name);
      expect(Object.keys(tables).sort()).toEqual(roles.sort());
      const policies = resourcePolicies(result, platform.bootstrap);
      for (const [name, calls] of Object.entries(tables)) {
        const verdicts = await evaluate(
          stackRole(platform, stack, name),
          withResourcePolicies(calls, policies),
        );
        expect(unexpected(verdicts, "Allowed"), name).toEqual([]);
      }
    });
  }
});
