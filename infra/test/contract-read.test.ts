/**
 * `readContract` under Pulumi mocks (set before the module is imported:
 * https://www.pulumi.com/docs/iac/guides/testing/unit/): what it asks SSM for, by name or, for a
 * parameter shared through RAM, by ARN; and the refusal of another stack's contract.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
// Types only: the module itself is imported after the mocks are set.
import type * as ContractPulumi from "../contract/src/pulumi";
import { PROD_CONTRACT } from "./fixtures/prod-contract";

const calls: Array<{ token: string; inputs: Record<string, unknown> }> = [];
let answer = JSON.stringify(PROD_CONTRACT);
let readContract: typeof ContractPulumi.readContract;

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
      call: (args) => {
        calls.push({ token: args.token, inputs: args.inputs });
        // GetParameterResult (pulumi-aws sdk/nodejs/ssm/getParameter.ts): the provider marks `value`
        // secret always ("always marked as sensitive"), `insecureValue` never; so do the mocks, in
        // the SDK's wire form for a secret (runtime/rpc.js specialSigKey, specialSecretSig).
        return {
          arn: "unused",
          id: args.inputs.name,
          name: args.inputs.name,
          type: "String",
          value: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: answer },
          insecureValue: answer,
          version: 1,
        };
      },
    },
    "reporting",
    "prod",
    false,
  );
  ({ readContract } = await import("../contract/src/pulumi.js"));
});

const resolved = <T>(output: pulumi.Output<T>) => (output as unknown as { promise(): Promise<T> }).promise();

describe("readContract", () => {
  it("reads the stack's parameter by name in the provider's account, not as a secret", async () => {
    calls.length = 0;
    answer = JSON.stringify(PROD_CONTRACT);
    const contract = readContract("prod");
    expect(await resolved(contract)).toEqual(PROD_CONTRACT);
    expect(await (contract as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(false);
    expect(calls).toEqual([
      { token: "aws:ssm/getParameter:getParameter", inputs: { name: "/comments-platform/prod/contract/v1" } },
    ]);
  });

  it("reads a parameter shared from another account by its ARN, in its region", async () => {
    calls.length = 0;
    await resolved(readContract("prod", { accountId: "123456789012", region: "sa-east-1" }));
    expect(calls).toEqual([
      {
        token: "aws:ssm/getParameter:getParameter",
        inputs: {
          name: "arn:aws:ssm:sa-east-1:123456789012:parameter/comments-platform/prod/contract/v1",
          region: "sa-east-1",
        },
      },
    ]);
  });

  it("fails with the parameter's name when it holds another stack's contract", async () => {
    answer = JSON.stringify({ ...PROD_CONTRACT, stack: "stage" });
    // Each of the output's promises (value, known, secret) rejects with the same error.
    const output = readContract("prod") as unknown as {
      promise(): Promise<unknown>;
      isKnown: Promise<boolean>;
      isSecret: Promise<boolean>;
    };
    const settled = await Promise.allSettled([output.promise(), output.isKnown, output.isSecret]);
    expect(settled.map((s) => (s.status === "rejected" ? (s.reason as Error).message : s.status))).toEqual(
      Array(3).fill(
        'SSM parameter /comments-platform/prod/contract/v1 is not a valid contractV1:\n  - "stack" is "stage" (string): expected "prod", the stack asked for',
      ),
    );
  });
});
