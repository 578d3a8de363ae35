/**
 * The operator permission set of each stack under an IAM engine: every call of `pnpm release`
 * (status, deploy, rollback, analyze, stopping a deployment) and of the docs' read commands is
 * allowed on the stack's own resources; no write of `pulumi up`, nothing of the other stack beyond
 * what AWS authorizes on "*" only, and no Pulumi state.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { arnOf } from "./iam/arns";
import { infrastructureWrites, operatorCalls, WILDCARD_ONLY } from "./iam/calls-operator";
import { stateCalls } from "./iam/calls-state";
import { ACCOUNT, evaluate, REGION, unexpected, writes } from "./iam/engine";
import { loadPlatform, operator, type Platform, STACKS } from "./iam/principals";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";

let platform: Platform;
beforeAll(() => {
  platform = loadPlatform();
}, 180_000);

const other = (stack: string) => (stack === "stage" ? "prod" : "stage");

describe("the operator permission set, call by call", () => {
  for (const stack of STACKS) {
    it(`lets the ${stack} operator release, roll back, stop, analyze and read the ${stack} logs`, async () => {
      const calls = operatorCalls(platform.stacks[stack]);
      // 5 deployment group calls, the configurations (prod's canary and --all-at-once; stage's
      // group is all-at-once), 2 on "*", the service, Prometheus, the task definitions, 4 per log
      // group (2), DescribeLogGroups, one per alarm, the contract.
      const alarms = platform.stacks[stack].resources.filter(
        (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm",
      ).length;
      expect(calls.length).toBe(5 + (stack === "prod" ? 2 : 1) + 2 + 1 + 1 + 1 + 8 + 1 + alarms + 1);
      expect(unexpected(await evaluate(operator(platform, stack), calls), "Allowed")).toEqual([]);
    });

    it(`refuses the ${stack} operator every write of pulumi up`, async () => {
      const infra = await infrastructureWrites(platform.stacks[stack], writes);
      expect(infra.length).toBe(stack === "prod" ? 465 : 395);
      const verdicts = await evaluate(
        operator(platform, stack),
        withResourcePolicies(infra, resourcePolicies(platform.stacks[stack], platform.bootstrap)),
      );
      expect(unexpected(verdicts, ["ImplicitlyDenied", "ExplicitlyDenied"])).toEqual([]);
    });

    it(`refuses the ${stack} operator the other stack's resources, but what AWS authorizes on "*" only`, async () => {
      // The other stack's own resources (AWS's predefined deployment configurations are shared).
      const own = new Set(operatorCalls(platform.stacks[stack]).map((c) => `${c.action} ${c.resource}`));
      const foreign = operatorCalls(platform.stacks[other(stack)]).filter(
        (c) => !own.has(`${c.action} ${c.resource}`) || WILDCARD_ONLY.includes(c.action),
      );
      const verdicts = await evaluate(operator(platform, stack), foreign);
      const allowed = verdicts.filter((v) => v.decision === "Allowed").map((v) => v.action);
      expect(allowed.sort()).toEqual([...WILDCARD_ONLY].sort());
    });

    it(`refuses the ${stack} operator the Pulumi state: neither read nor write`, async () => {
      const state = stateCalls(platform.bootstrap, stack, true);
      expect(state.length).toBe(12);
      const verdicts = await evaluate(
        operator(platform, stack),
        withResourcePolicies(state, resourcePolicies(platform.stacks[stack], platform.bootstrap)),
      );
      expect(unexpected(verdicts, ["ImplicitlyDenied", "ExplicitlyDenied"])).toEqual([]);
    });
  }
});

/** The ARN of the role ECS invokes `stack`'s lifecycle hooks with (auto-named: a suffix). */
function hookRoleArn(platform: Platform, stack: string): string {
  const all = platform.stacks[stack as (typeof STACKS)[number]].resources;
  const role = all.find(
    (r) => r.type === "aws:iam/role:Role" && r.name === `comments-api-${stack}-ecs-hooks`,
  );
  if (role === undefined) throw new Error(`${stack}: no hook role`);
  return arnOf(role, all);
}

/** The same permission set for `releaseStrategy: ecs`: ECS's deployment APIs instead of CodeDeploy's. */
describe("an ecs stack's operator permission set, call by call", () => {
  let ecsPlatform: Platform;
  beforeAll(() => {
    ecsPlatform = loadPlatform({}, { releaseStrategy: "ecs" });
  }, 180_000);
  const ECS_WILDCARD_ONLY = ["ecs:ListTaskDefinitions", "logs:DescribeLogGroups"];

  for (const stack of STACKS) {
    it(`lets the ${stack} operator release, roll back, stop and follow through ECS, and read the ${stack} logs`, async () => {
      const calls = operatorCalls(ecsPlatform.stacks[stack]);
      const alarms = ecsPlatform.stacks[stack].resources.filter(
        (r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm",
      ).length;
      // 6 ECS calls of ecs-api.ts and the hook role passed, the task definitions, Prometheus,
      // 4 per log group (prod's judge has one more), DescribeLogGroups, one per alarm, the contract;
      // no CodeDeploy.
      expect(
        calls.slice(0, 7).map((c) => [c.action, c.resource.replace(`arn:aws:ecs:${REGION}:${ACCOUNT}:`, "")]),
      ).toEqual([
        ["ecs:DescribeServices", `service/comments-api-${stack}/comments-api-${stack}`],
        ["ecs:UpdateService", `service/comments-api-${stack}/comments-api-${stack}`],
        ["iam:PassRole", hookRoleArn(ecsPlatform, stack)],
        ["ecs:ListServiceDeployments", `service/comments-api-${stack}/comments-api-${stack}`],
        [
          "ecs:DescribeServiceDeployments",
          `service-deployment/comments-api-${stack}/comments-api-${stack}/AbCdEf0123456789`,
        ],
        [
          "ecs:StopServiceDeployment",
          `service-deployment/comments-api-${stack}/comments-api-${stack}/AbCdEf0123456789`,
        ],
        [
          "ecs:DescribeServiceRevisions",
          `service-revision/comments-api-${stack}/comments-api-${stack}/1234567890123456789`,
        ],
      ]);
      expect(calls.length).toBe(7 + 1 + 1 + (stack === "prod" ? 12 : 8) + 1 + alarms + 1);
      expect(calls.filter((c) => c.action.startsWith("codedeploy:"))).toEqual([]);
      expect(unexpected(await evaluate(operator(ecsPlatform, stack), calls), "Allowed")).toEqual([]);
    });

    it(`refuses the ${stack} ecs operator every write of pulumi up`, async () => {
      // pulumi up's UpdateService of the service (and the hook role it passes) is the release's
      // own call: the operator makes it, as a CodeDeploy operator makes CreateDeployment.
      const release = new Set(
        operatorCalls(ecsPlatform.stacks[stack]).map((c) => `${c.action} ${c.resource}`),
      );
      const all = await infrastructureWrites(ecsPlatform.stacks[stack], writes);
      const infra = all.filter((c) => !release.has(`${c.action} ${c.resource}`));
      expect(all.length - infra.length).toBe(3);
      expect(infra.length).toBe(stack === "prod" ? 491 : 402);
      const verdicts = await evaluate(
        operator(ecsPlatform, stack),
        withResourcePolicies(infra, resourcePolicies(ecsPlatform.stacks[stack], ecsPlatform.bootstrap)),
      );
      expect(unexpected(verdicts, ["ImplicitlyDenied", "ExplicitlyDenied"])).toEqual([]);
    });

    it(`refuses the ${stack} ecs operator the other stack's service, deployments and hook role`, async () => {
      const own = new Set(operatorCalls(ecsPlatform.stacks[stack]).map((c) => `${c.action} ${c.resource}`));
      const foreign = operatorCalls(ecsPlatform.stacks[other(stack)]).filter(
        (c) => !own.has(`${c.action} ${c.resource}`) || ECS_WILDCARD_ONLY.includes(c.action),
      );
      const verdicts = await evaluate(operator(ecsPlatform, stack), foreign);
      const allowed = verdicts.filter((v) => v.decision === "Allowed").map((v) => v.action);
      expect(allowed.sort()).toEqual([...ECS_WILDCARD_ONLY].sort());
    });

    it(`refuses the ${stack} ecs operator UpdateService on another service, and passing any other role`, async () => {
      const result = ecsPlatform.stacks[stack];
      const base = `comments-api-${stack}`;
      const hooks = hookRoleArn(ecsPlatform, stack);
      const roles = [
        ...result.resources
          .filter((r) => r.type === "aws:iam/role:Role")
          .map((r) => arnOf(r, result.resources))
          .filter((arn) => arn !== hooks),
        hookRoleArn(ecsPlatform, other(stack)),
      ];
      // The stack's other roles (task, execution, load balancers', smoke, judge...) and the other
      // stack's hook role: none is the operator's to pass.
      expect(roles.some((arn) => arn.includes(`:role/${base}-ecs-load-balancers-`))).toBe(true);
      const source = "iam-operator.test.ts (a denial)";
      const denied = [
        {
          action: "ecs:UpdateService",
          resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${base}/another-service`,
          source,
        },
        {
          action: "ecs:UpdateService",
          resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/comments-api-${other(stack)}/comments-api-${other(stack)}`,
          source,
        },
        ...roles.map((resource) => ({
          action: "iam:PassRole",
          resource,
          context: { "iam:PassedToService": "ecs.amazonaws.com" },
          source,
        })),
        // The hook role itself, to any service but ECS.
        {
          action: "iam:PassRole",
          resource: hooks,
          context: { "iam:PassedToService": "lambda.amazonaws.com" },
          source,
        },
      ];
      const verdicts = await evaluate(operator(ecsPlatform, stack), denied);
      expect(unexpected(verdicts, ["ImplicitlyDenied", "ExplicitlyDenied"])).toEqual([]);
      expect(verdicts.length).toBe(3 + roles.length);
    });
  }
});
