/** The contract package's validator and names, pure, and its version against the contract's. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONTRACT_V1_FIELDS,
  CONTRACT_V2_FIELDS,
  CONTRACT_V2_VERSION,
  CONTRACT_VERSION,
  ContractError,
  contractParameterArn,
  contractParameterName,
  parseContractV1,
  validateContractV1,
  validateContractV2,
} from "../contract/src/index";
import { contractParameterAddress } from "../contract/src/pulumi";
import { REPO_ROOT } from "../src/stack-file";
import { PROD_CONTRACT } from "./fixtures/prod-contract";

describe("validateContractV1", () => {
  it("returns a valid contract as it is, keeping fields a later version adds", () => {
    const later = { ...PROD_CONTRACT, canaryDashboardUrl: "https://g/d/canary" };
    expect(validateContractV1(later, "test", "prod")).toBe(later);
  });

  it("names every bad field, the value found and what is allowed, all at once", () => {
    const { vpcId: _dropped, ...rest } = PROD_CONTRACT;
    const bad = { ...rest, version: 2, url: "", privateSubnetIds: "subnet-1", alarmTopicArn: null };
    expect(() => validateContractV1(bad, "SSM parameter /comments-platform/prod/contract/v1")).toThrow(
      new ContractError("SSM parameter /comments-platform/prod/contract/v1", [
        '"version" is 2 (number): expected the number 1',
        '"url" is "" (string): expected a non-empty string',
        '"vpcId" is missing: expected a non-empty string',
        '"privateSubnetIds" is "subnet-1" (string): expected an array of non-empty strings',
        '"alarmTopicArn" is null (null): expected a non-empty string',
      ]),
    );
  });

  it("pageTopicArn is optional (stacks deployed before it have none), but never empty", () => {
    const { pageTopicArn: _absent, ...older } = { ...PROD_CONTRACT, pageTopicArn: "x" };
    expect(validateContractV1(older, "test", "prod")).toBe(older);
    expect(() => validateContractV1({ ...PROD_CONTRACT, pageTopicArn: "" }, "p")).toThrow(
      'p is not a valid contractV1:\n  - "pageTopicArn" is "" (string): expected a non-empty string, or no field',
    );
  });

  it("refuses another stack's contract when a stack is expected", () => {
    expect(() => validateContractV1({ ...PROD_CONTRACT, stack: "stage" }, "p", "prod")).toThrow(
      'p is not a valid contractV1:\n  - "stack" is "stage" (string): expected "prod", the stack asked for',
    );
  });

  it("refuses what is not an object, and text that is not JSON", () => {
    expect(() => validateContractV1([PROD_CONTRACT], "p")).toThrow(
      'p is not a valid contractV1:\n  - the value is [{"version":1,"stack":"prod","region":"sa-east-1","url":"... (array): expected a JSON object',
    );
    expect(() => parseContractV1("{not json", "p")).toThrow(
      /^p is not a valid contractV1:\n {2}- the value is not JSON: /,
    );
    expect(parseContractV1(JSON.stringify(PROD_CONTRACT), "p", "prod")).toEqual(PROD_CONTRACT);
  });

  it("checks exactly the interface's fields (the table follows the type)", () => {
    const source = readFileSync(join(REPO_ROOT, "infra", "contract", "src", "contract.ts"), "utf8");
    const body = source.slice(source.indexOf("export interface ContractV1 {"), source.indexOf("\n}\n"));
    const declared = [...body.matchAll(/^ {2}([A-Za-z]+)\??:/gm)].map((m) => m[1]);
    expect(Object.keys(CONTRACT_V1_FIELDS)).toEqual(declared);
  });
});

describe("names and versions", () => {
  it("addresses the parameter by name in its account, by ARN from another", () => {
    expect(contractParameterName("prod")).toBe("/comments-platform/prod/contract/v1");
    expect(contractParameterArn({ stack: "prod", region: "sa-east-1", accountId: "123456789012" })).toBe(
      "arn:aws:ssm:sa-east-1:123456789012:parameter/comments-platform/prod/contract/v1",
    );
    expect(contractParameterAddress("prod")).toBe("/comments-platform/prod/contract/v1");
    expect(contractParameterAddress("prod", { accountId: "123456789012", region: "sa-east-1" })).toBe(
      "arn:aws:ssm:sa-east-1:123456789012:parameter/comments-platform/prod/contract/v1",
    );
  });

  it("refuses an account without a region, a malformed account and a malformed stack", () => {
    expect(() => contractParameterAddress("prod", { accountId: "123456789012" })).toThrow(
      'readContract: accountId "123456789012" needs region too: a shared parameter is read by its full ARN',
    );
    expect(() => contractParameterAddress("prod", { accountId: "1234", region: "sa-east-1" })).toThrow(
      'readContract: accountId "1234" is not a 12-digit AWS account id',
    );
    expect(() => contractParameterAddress("Prod/x")).toThrow(
      'readContract: stack "Prod/x" is not a stack name (lowercase letters, digits, "-")',
    );
  });

  it("versions the package with the contract: its major version is the contract's", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "infra", "contract", "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    expect(pkg.name).toBe("@comments-platform/contract");
    expect(Number(pkg.version.split(".")[0])).toBe(CONTRACT_VERSION);
    expect(PROD_CONTRACT.version).toBe(CONTRACT_VERSION);
  });
});

describe("validateContractV2", () => {
  const { version: _v1, codedeployApplication, codedeployDeploymentGroup, ...common } = PROD_CONTRACT;
  const codedeploy = {
    ...common,
    version: 2,
    releaseStrategy: "codedeploy",
    codedeployApplication,
    codedeployDeploymentGroup,
  };
  const ecs = { ...common, version: 2, releaseStrategy: "ecs" };

  it("takes a codedeploy stack's contract with its CodeDeploy names, and an ecs stack's without", () => {
    expect(validateContractV2(codedeploy, "test", "prod")).toBe(codedeploy);
    expect(validateContractV2(ecs, "test", "prod")).toBe(ecs);
    expect(contractParameterName("prod", CONTRACT_V2_VERSION)).toBe("/comments-platform/prod/contract/v2");
  });

  it("requires the CodeDeploy names exactly when the strategy is codedeploy, and a known strategy", () => {
    const source = "SSM parameter /comments-platform/prod/contract/v2";
    expect(() => validateContractV2({ ...ecs, releaseStrategy: "codedeploy" }, source)).toThrow(
      new ContractError(
        source,
        [
          '"codedeployApplication" is missing: expected a non-empty string when "releaseStrategy" is "codedeploy"',
          '"codedeployDeploymentGroup" is missing: expected a non-empty string when "releaseStrategy" is "codedeploy"',
        ],
        "contractV2",
      ),
    );
    expect(() => validateContractV2({ ...codedeploy, releaseStrategy: "ecs" }, source)).toThrow(
      new ContractError(
        source,
        [
          `"codedeployApplication" is ${JSON.stringify(codedeployApplication)} (string): an "ecs" stack has no CodeDeploy names`,
          `"codedeployDeploymentGroup" is ${JSON.stringify(codedeployDeploymentGroup)} (string): an "ecs" stack has no CodeDeploy names`,
        ],
        "contractV2",
      ),
    );
    expect(() => validateContractV2({ ...ecs, releaseStrategy: "argo", version: 1 }, source)).toThrow(
      new ContractError(
        source,
        [
          '"version" is 1 (number): expected the number 2',
          '"releaseStrategy" is "argo" (string): expected one of codedeploy, ecs',
        ],
        "contractV2",
      ),
    );
  });

  it("is a contractV1's fields without the two CodeDeploy ones, plus releaseStrategy and the two optional", () => {
    const v1 = Object.keys(CONTRACT_V1_FIELDS).filter((f) => !f.startsWith("codedeploy"));
    expect(
      Object.keys(CONTRACT_V2_FIELDS)
        .filter((f) => !f.startsWith("codedeploy") && f !== "releaseStrategy")
        .sort(),
    ).toEqual(v1.sort());
  });
});
