/**
 * The runtime check of a `contractV1` read from outside the program (an SSM parameter, a file):
 * the type says what a reader may rely on, this proves a given value keeps that promise, naming
 * every field that does not.
 */
import { CONTRACT_V2_VERSION, CONTRACT_VERSION, type ContractV1, type ContractV2 } from "./contract";

/** How a field's value is checked. */
export type FieldKind = "version" | "string" | "string[]" | "optional string";

/** The kind a field of `ContractV1` must have, from its type: a field of a new type fails to compile. */
type KindOf<T> = undefined extends T
  ? Exclude<T, undefined> extends string
    ? "optional string"
    : never
  : T extends typeof CONTRACT_VERSION | typeof CONTRACT_V2_VERSION
    ? "version"
    : T extends string[]
      ? "string[]"
      : T extends string
        ? "string"
        : never;

/**
 * Every field of `ContractV1` with its kind. `satisfies` keeps it in step with the interface: a
 * field added there and missing here (or here and not there, or of another kind) fails `tsc`.
 */
export const CONTRACT_V1_FIELDS = {
  version: "version",
  stack: "string",
  region: "string",
  url: "string",
  albDnsName: "string",
  albZoneId: "string",
  ecrRepositoryUrl: "string",
  imageRef: "string",
  clusterName: "string",
  serviceName: "string",
  vpcId: "string",
  privateSubnetIds: "string[]",
  serviceSecurityGroupId: "string",
  logGroupName: "string",
  prometheusWorkspaceId: "string",
  prometheusQueryUrl: "string",
  grafanaUrl: "string",
  codedeployApplication: "string",
  codedeployDeploymentGroup: "string",
  alarmTopicArn: "string",
  pageTopicArn: "optional string",
} as const satisfies { [K in keyof Required<ContractV1>]: KindOf<ContractV1[K]> };

/** Every field of `ContractV2` with its kind, kept in step with the interface as V1's is. */
export const CONTRACT_V2_FIELDS = {
  version: "version",
  stack: "string",
  region: "string",
  url: "string",
  albDnsName: "string",
  albZoneId: "string",
  ecrRepositoryUrl: "string",
  imageRef: "string",
  clusterName: "string",
  serviceName: "string",
  vpcId: "string",
  privateSubnetIds: "string[]",
  serviceSecurityGroupId: "string",
  logGroupName: "string",
  prometheusWorkspaceId: "string",
  prometheusQueryUrl: "string",
  grafanaUrl: "string",
  releaseStrategy: "string",
  codedeployApplication: "optional string",
  codedeployDeploymentGroup: "optional string",
  alarmTopicArn: "string",
  pageTopicArn: "optional string",
} as const satisfies { [K in keyof Required<ContractV2>]: KindOf<ContractV2[K]> };

/** The strategies contractV2's `releaseStrategy` names. */
const RELEASE_STRATEGIES = ["codedeploy", "ecs"];

/** Thrown when a value is not a `contractV1`: `problems` lists every field that is wrong. */
export class ContractError extends Error {
  /** One line per problem, in field order. */
  readonly problems: string[];

  constructor(source: string, problems: string[], contract = "contractV1") {
    super(`${source} is not a valid ${contract}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ContractError";
    this.problems = problems;
  }
}

function shown(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value);
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text} (${Array.isArray(value) ? "array" : value === null ? "null" : typeof value})`;
}

function problem(
  field: string,
  kind: FieldKind,
  value: unknown,
  version: number = CONTRACT_VERSION,
): string | undefined {
  switch (kind) {
    case "version":
      return value === version ? undefined : `"${field}" is ${shown(value)}: expected the number ${version}`;
    case "string":
      return typeof value === "string" && value !== ""
        ? undefined
        : `"${field}" is ${shown(value)}: expected a non-empty string`;
    case "optional string":
      return value === undefined || (typeof value === "string" && value !== "")
        ? undefined
        : `"${field}" is ${shown(value)}: expected a non-empty string, or no field`;
    case "string[]":
      return Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "")
        ? undefined
        : `"${field}" is ${shown(value)}: expected an array of non-empty strings`;
  }
}

/**
 * Checks that `value` is a `contractV1` and returns it typed. Every field is checked and every
 * problem reported at once. Fields this version does not know are kept: the contract adds fields,
 * and a reader built against an older version of this package must keep working.
 *
 * @param source what the value was read from, for the error message
 * @param expectedStack when given, the `stack` field must equal it (a guard against reading the
 *   wrong stack's parameter)
 * @throws ContractError naming each field, the value found and what is allowed
 */
export function validateContractV1(value: unknown, source: string, expectedStack?: string): ContractV1 {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ContractError(source, [`the value is ${shown(value)}: expected a JSON object`]);
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, kind] of Object.entries(CONTRACT_V1_FIELDS)) {
    const found = problem(field, kind, record[field]);
    if (found !== undefined) problems.push(found);
  }
  if (expectedStack !== undefined && typeof record.stack === "string" && record.stack !== expectedStack) {
    problems.push(`"stack" is ${shown(record.stack)}: expected "${expectedStack}", the stack asked for`);
  }
  if (problems.length > 0) throw new ContractError(source, problems);
  return record as unknown as ContractV1;
}

/**
 * Parses the JSON text of a contract parameter and validates it (`validateContractV1`).
 *
 * @throws ContractError when the text is not JSON or not a `contractV1`
 */
export function parseContractV1(text: string, source: string, expectedStack?: string): ContractV1 {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ContractError(source, [`the value is not JSON: ${(error as Error).message}`]);
  }
  return validateContractV1(value, source, expectedStack);
}

/**
 * Checks that `value` is a `contractV2` and returns it typed, as `validateContractV1` does: every
 * field, every problem at once, unknown fields kept; and the CodeDeploy names present exactly when
 * `releaseStrategy` is `codedeploy`.
 *
 * @throws ContractError naming each field, the value found and what is allowed
 */
export function validateContractV2(value: unknown, source: string, expectedStack?: string): ContractV2 {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ContractError(source, [`the value is ${shown(value)}: expected a JSON object`], "contractV2");
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, kind] of Object.entries(CONTRACT_V2_FIELDS)) {
    const found = problem(field, kind, record[field], CONTRACT_V2_VERSION);
    if (found !== undefined) problems.push(found);
  }
  const strategy = record.releaseStrategy;
  if (typeof strategy === "string" && strategy !== "" && !RELEASE_STRATEGIES.includes(strategy)) {
    problems.push(
      `"releaseStrategy" is ${shown(strategy)}: expected one of ${RELEASE_STRATEGIES.join(", ")}`,
    );
  }
  for (const field of ["codedeployApplication", "codedeployDeploymentGroup"]) {
    if (strategy === "codedeploy" && record[field] === undefined) {
      problems.push(
        `"${field}" is missing: expected a non-empty string when "releaseStrategy" is "codedeploy"`,
      );
    }
    if (strategy === "ecs" && record[field] !== undefined) {
      problems.push(`"${field}" is ${shown(record[field])}: an "ecs" stack has no CodeDeploy names`);
    }
  }
  if (expectedStack !== undefined && typeof record.stack === "string" && record.stack !== expectedStack) {
    problems.push(`"stack" is ${shown(record.stack)}: expected "${expectedStack}", the stack asked for`);
  }
  if (problems.length > 0) throw new ContractError(source, problems, "contractV2");
  return record as unknown as ContractV2;
}

/**
 * Parses the JSON text of a contractV2 parameter and validates it (`validateContractV2`).
 *
 * @throws ContractError when the text is not JSON or not a `contractV2`
 */
export function parseContractV2(text: string, source: string, expectedStack?: string): ContractV2 {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ContractError(source, [`the value is not JSON: ${(error as Error).message}`], "contractV2");
  }
  return validateContractV2(value, source, expectedStack);
}
