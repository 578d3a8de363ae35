/**
 * The roles a deploy creates, under an IAM engine: each one's calls (what AWS does with it, what our
 * code calls) against its inline policies, the AWS managed policies it attaches and the stack's
 * permissions boundary; and the services that publish to our topics, against the topic policies.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { publisherCalls, runtimeCalls } from "./iam/calls-runtime";
import { ACCOUNT, decide, evaluate, unexpected } from "./iam/engine";
import { loadPlatform, type Platform, STACKS, stackRole } from "./iam/principals";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";

let platform: Platform;
beforeAll(() => {
  platform = loadPlatform();
}, 180_000);

describe("the roles a deploy creates, call by call", () => {
  for (const stack of STACKS) {
    it(`lets every ${stack} role make each of its calls, inside the boundary`, async () => {
      const result = platform.stacks[stack];
      const tables = runtimeCalls(result);
      const roles = result.resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.name);
      // A role without a table is a role nobody checked.
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

    it(`lets AMP and the ${stack} alarms publish to the ${stack} topics, and nobody else`, async () => {
      const result = platform.stacks[stack];
      const policies = resourcePolicies(result);
      const calls = publisherCalls(result);
      expect(calls.length).toBe(stack === "prod" ? 11 : 11);
      for (const { service, call } of calls) {
        const principal = { name: service, arn: service, accountId: ACCOUNT, policies: {} };
        expect(
          await decide(principal, { ...call, resourcePolicy: policies.get(call.resource) }),
          call.source,
        ).toBe("Allowed");
        // The same service for another account's workspace or alarm: refused.
        const foreign = { ...call.context, "aws:SourceAccount": "444455556666" };
        expect(
          await decide(principal, { ...call, context: foreign, resourcePolicy: policies.get(call.resource) }),
          `${call.source} from another account`,
        ).toBe("ImplicitlyDenied");
      }
    });
  }
});
