/**
 * The stage and prod deploy roles under an IAM engine: every call the provider makes to create,
 * read, update and delete every resource either stack declares, with the roles it passes and the
 * service-linked roles it needs, against the policies exactly as the bootstrap builds them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, unexpected, type Verdict } from "./iam/engine";
import { ciRole, loadPlatform, type Platform, STACKS } from "./iam/principals";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";
import { deployCalls, PROGRAM_CALLS, uncovered } from "./iam/tables";

let platform: Platform;
beforeAll(() => {
  platform = loadPlatform();
}, 180_000);

describe("the deploy roles, call by call", () => {
  it("has a call table for every resource type either stack declares", () => {
    for (const stack of STACKS) expect(uncovered(platform.stacks[stack]), stack).toEqual([]);
  });

  for (const stack of STACKS) {
    it(`lets the ${stack} deploy role make every provider call for every ${stack} resource`, async () => {
      const role = ciRole(platform, `deploy-${stack}`);
      const policies = resourcePolicies(platform.stacks[stack], platform.bootstrap);
      const calls = withResourcePolicies(
        [...PROGRAM_CALLS, ...deployCalls(platform.stacks[stack])],
        policies,
      );
      const verdicts: Verdict[] = await evaluate(role, calls);
      expect(unexpected(verdicts, "Allowed")).toEqual([]);
    });
  }
});
