import { expect, it } from "vitest";
import { violations } from "../policy/rules";
import { synth } from "../src/synth/run";

it("the stage stack passes every policy rule", async () => {
  const result = await synth({ stack: "stage", preview: false });
  expect(result.resources.length).toBeGreaterThan(90);
  expect(
    violations(
      result.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, stack: "stage" })),
    ),
  ).toEqual([]);
});
