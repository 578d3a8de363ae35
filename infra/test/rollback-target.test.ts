/** ROLLBACK_RULE as a table: CodeDeploy histories in, the revision a rollback redeploys out. */
import { describe, expect, it } from "vitest";
import {
  replacedTaskDefinition,
  rollbackTarget,
  type ShippedDeployment,
} from "../src/release/rollback-target";

const r = (n: number) => `arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:${n}`;
/** A Succeeded deployment from `from` (undefined: a description that does not say) to `to`, at hour `at`. */
const d = (id: string, at: number, to: number, from?: number): ShippedDeployment => ({
  deploymentId: id,
  completedAt: at * 3_600_000,
  to: r(to),
  ...(from === undefined ? {} : { from: r(from) }),
});

describe("rollbackTarget", () => {
  it.each<[string, ShippedDeployment[], number, [number, string] | undefined]>([
    ["first release: the revision ECS started", [d("d-1", 1, 2, 1)], 2, [1, "d-1"]],
    ["two releases: the one before the current", [d("d-1", 1, 2, 1), d("d-2", 2, 3, 2)], 3, [2, "d-2"]],
    [
      "after a rollback from 3 to 2: further back to 1, never 3 again",
      [d("d-1", 1, 2, 1), d("d-2", 2, 3, 2), d("d-3", 3, 2, 3)],
      2,
      [1, "d-1"],
    ],
    [
      "listed in any order: by completion time",
      [d("d-2", 2, 3, 2), d("d-3", 3, 4, 3), d("d-1", 1, 2, 1)],
      4,
      [3, "d-3"],
    ],
    [
      "descriptions that do not say: the revision the deployment before shipped",
      [d("d-1", 1, 40), d("d-3", 3, 42)],
      42,
      [40, "d-3"],
    ],
    [
      "the current revision is never the target",
      [d("d-1", 1, 2, 1), d("d-2", 2, 3, 2), d("d-3", 3, 2, 3), d("d-4", 4, 1, 2)],
      1,
      undefined,
    ],
    ["no deployment ever Succeeded", [], 1, undefined],
    ["the oldest deployment, its source unknown", [d("d-1", 1, 5)], 5, undefined],
  ])("%s", (_case, history, current, expected) => {
    const found = rollbackTarget(history, r(current));
    expect(found === undefined ? undefined : [found.taskDefinition, found.replacedBy.deploymentId]).toEqual(
      expected === undefined ? undefined : [r(expected[0]), expected[1]],
    );
  });
});

describe("replacedTaskDefinition", () => {
  it("reads release.ts's `<from> -> <to>` description, with or without notes", () => {
    expect(replacedTaskDefinition(`${r(41)} -> ${r(42)}`)).toBe(r(41));
    expect(
      replacedTaskDefinition(`${r(41)} -> ${r(42)} (network: subnets) [rollback alarms ignored: INC-7]`),
    ).toBe(r(41));
    expect(replacedTaskDefinition(`nothing -> ${r(1)}`)).toBeUndefined();
    expect(replacedTaskDefinition(undefined)).toBeUndefined();
  });
});
