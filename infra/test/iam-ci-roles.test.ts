/**
 * The bootstrap's roles for CI and other teams under an IAM engine: the deploy role's state, the
 * preview role (Preview and Drift: `pulumi preview --refresh`, `pulumi refresh --preview-only`)
 * reading every resource and writing nothing, and a consumer reading one stack's outputs only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { consumerCalls, stateCalls } from "./iam/calls-state";
import { type Call, evaluate, unexpected, writes } from "./iam/engine";
import { ciRole, consumer, loadPlatform, type Platform, STACKS } from "./iam/principals";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";
import { deployCalls, PROGRAM_CALLS } from "./iam/tables";

let platform: Platform;
beforeAll(() => {
  platform = loadPlatform();
}, 180_000);

const other = (stack: string) => (stack === "stage" ? "prod" : "stage");

describe("the CI roles and the consumers, call by call", () => {
  for (const stack of STACKS) {
    const policies = () => resourcePolicies(platform.stacks[stack], platform.bootstrap);
    const calls = (list: Call[]) => withResourcePolicies(list, policies());

    it(`lets the ${stack} deploy role read, lock and write its state and secrets`, async () => {
      const verdicts = await evaluate(
        ciRole(platform, `deploy-${stack}`),
        calls(stateCalls(platform.bootstrap, stack, true)),
      );
      expect(verdicts.length).toBe(12);
      expect(unexpected(verdicts, "Allowed")).toEqual([]);
    });

    it(`lets the ${stack} preview role read its state and every ${stack} resource, as a refresh does`, async () => {
      const reads = deployCalls(platform.stacks[stack]).filter((c) => c.verb === "read");
      const verdicts = await evaluate(
        ciRole(platform, `preview-${stack}`),
        calls([...stateCalls(platform.bootstrap, stack, false), ...PROGRAM_CALLS, ...reads]),
      );
      expect(unexpected(verdicts, "Allowed")).toEqual([]);
    });

    it(`lets the ${stack} preview role write nothing: no provider write, no state write`, async () => {
      // Every call the deploy makes whose access level is a write (Write, Tagging, Permissions
      // management), whatever operation makes it: CreateWorkspace's reads are reads.
      const all = deployCalls(platform.stacks[stack]);
      const flags = await Promise.all(all.map((c) => writes(c.action)));
      const writeCalls = all.filter((_, i) => flags[i]);
      expect(writeCalls.length).toBe(stack === "prod" ? 467 : 397);
      const stateWrites = stateCalls(platform.bootstrap, stack, true).slice(5);
      const verdicts = await evaluate(
        ciRole(platform, `preview-${stack}`),
        calls([...writeCalls, ...stateWrites]),
      );
      expect(unexpected(verdicts, ["ImplicitlyDenied", "ExplicitlyDenied"])).toEqual([]);
    });

    it(`lets a consumer of ${stack} read its outputs, and neither the other stack's nor any write`, async () => {
      const reader = consumer(platform, stack);
      expect(
        unexpected(await evaluate(reader, calls(consumerCalls(platform.bootstrap, stack))), "Allowed"),
      ).toEqual([]);
      // The other stack's own files, key and parameter (meta.yaml and the state key are shared).
      const own = new Set(consumerCalls(platform.bootstrap, stack).map((c) => c.resource));
      const foreign = consumerCalls(platform.bootstrap, other(stack)).filter((c) => !own.has(c.resource));
      // The other stack's state file, and its contractV1 and contractV2 parameters.
      expect(foreign.length).toBe(4);
      const writes = stateCalls(platform.bootstrap, stack, true).slice(5);
      const verdicts = await evaluate(reader, calls([...foreign, ...writes]));
      expect(unexpected(verdicts, ["ImplicitlyDenied", "ExplicitlyDenied"])).toEqual([]);
    });
  }
});
