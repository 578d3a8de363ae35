/**
 * Sandbox stacks (`sandbox-<name>`, the Acceptance workflow's throw-away stack): accepted, with
 * stage's defaults, and names that fit AWS's limits as stage's do.
 */
import { describe, expect, it } from "vitest";
import { baseName, parseStackConfig, readConfigSpecs } from "../src/config";

const specs = readConfigSpecs();

const raw = { "aws:region": "us-east-1", owner: "platform-team", costCentre: "cc-sandbox" };

describe("a sandbox stack", () => {
  it("takes stage's defaults: everything but the stack's own name and tag is stage's", () => {
    const sandbox = parseStackConfig("sandbox-alice", raw, specs);
    const stage = parseStackConfig("stage", raw, specs);
    if (!sandbox.ok || !stage.ok) throw new Error("both parse");
    const { stack, tags, ...rest } = sandbox.config;
    const { stack: _stack, tags: stageTags, ...stageRest } = stage.config;
    expect([stack, tags.stack]).toEqual(["sandbox-alice", "sandbox-alice"]);
    expect(rest).toEqual(stageRest);
    expect({ ...tags, stack: "stage" }).toEqual(stageTags);
  });

  it("is named no longer than stage, so auto-named resources fit 32 characters with `-` and 7 random", () => {
    expect(baseName("sandbox-abcdef")).toBe("comments-sb-abcdef");
    expect(baseName("sandbox-abcdef").length).toBeLessThanOrEqual(baseName("stage").length);
    expect(`${baseName("stage")}-green-`.length + 7).toBe(32);
  });

  it.each(["sandbox-", "sandbox-abcdefg", "sandbox-Alice", "sandbox-1abc", "sandboxalice"])(
    "refuses %s, naming what is allowed",
    (stack) => {
      expect(parseStackConfig(stack, raw, specs)).toEqual({
        ok: false,
        problems: [
          `stack=${JSON.stringify(stack)}: must be one of stage, prod, or sandbox-<1-6 lowercase letters or digits>`,
        ],
      });
    },
  );
});
