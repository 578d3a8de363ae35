/**
 * `readContract(stack)` for Pulumi programs: the contract from its SSM parameter, validated. Works
 * from any backend (a StackReference only resolves through the reader's own backend), in this
 * account, across accounts through a role the reader's provider assumes, or through a parameter
 * shared with AWS RAM.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type ContractV1, contractParameterArn, contractParameterName } from "./contract";
import { parseContractV1 } from "./validate";

/** Where the parameter lives, when not in the account and region of the reader's provider. */
export interface ReadContractOptions {
  /**
   * The account that runs the stack, for a parameter shared with yours through AWS RAM: a shared
   * parameter can only be read by its full ARN. Needs `region`.
   * @default undefined: the parameter is read by name, in the provider's account
   */
  accountId?: string;
  /**
   * The region the stack runs in.
   * @default undefined: the provider's region
   */
  region?: string;
  /**
   * Passed to the invoke: `{ provider }` with an `aws.Provider` that assumes the bootstrap's
   * contract reader role in the stack's account, the other cross-account route.
   * @default undefined: the default AWS provider
   */
  invokeOptions?: pulumi.InvokeOutputOptions;
}

/**
 * The parameter name (or ARN) `readContract` reads for `stack`.
 *
 * @throws Error when `accountId` is given without `region`, or a value has the wrong shape
 */
export function contractParameterAddress(stack: string, options: ReadContractOptions = {}): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(stack)) {
    throw new Error(`readContract: stack "${stack}" is not a stack name (lowercase letters, digits, "-")`);
  }
  if (options.accountId === undefined) return contractParameterName(stack);
  if (!/^\d{12}$/.test(options.accountId)) {
    throw new Error(`readContract: accountId "${options.accountId}" is not a 12-digit AWS account id`);
  }
  if (options.region === undefined) {
    throw new Error(
      `readContract: accountId "${options.accountId}" needs region too: a shared parameter is read by its full ARN`,
    );
  }
  return contractParameterArn({ stack, region: options.region, accountId: options.accountId });
}

/**
 * The stack's `contractV1`, read from SSM and validated: the output fails with a `ContractError`
 * naming every bad field rather than handing your program a partial contract.
 */
export function readContract(stack: string, options: ReadContractOptions = {}): pulumi.Output<ContractV1> {
  const name = contractParameterAddress(stack, options);
  const parameter = aws.ssm.getParameterOutput(
    { name, ...(options.region === undefined ? {} : { region: options.region }) },
    options.invokeOptions,
  );
  // `insecureValue`: `value` is always marked secret, which would hide every field of a contract
  // that holds none (pulumi-aws sdk/nodejs/ssm/getParameter.ts: "This value is never marked as
  // sensitive"). And an output-form invoke is secret as a whole when its response holds any secret
  // (@pulumi/pulumi runtime/invoke.ts `invokeOutput` resolves with the response's
  // `containsSecrets`): `unsecret`, as the program writes a plain String (infra/index.ts).
  return pulumi
    .unsecret(parameter.insecureValue)
    .apply((text) => parseContractV1(text, `SSM parameter ${name}`, stack));
}
