/**
 * The operator permission set of each stack under an IAM engine: every call of `pnpm release`
 * (status, deploy, rollback, analyze, stopping a deployment) and of the docs' read commands is
 * allowed on the stack's own resources; no write of `pulumi up`, nothing of the other stack beyond
 * what AWS authorizes on "*" only, and no Pulumi state.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { infrastructureWrites, operatorCalls, WILDCARD_ONLY } from "./iam/calls-operator";
import { stateCalls } from "./iam/calls-state";
import { evaluate, unexpected, writes } from "./iam/engine";
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
