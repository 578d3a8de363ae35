/**
 * The runtime check of a `contractV1` read from outside the program (an SSM parameter, a file):
 * the type says what a reader may rely on, this proves a given value keeps that promise, naming
 * every field that does not.
 */
import { CONTRACT_VERSION, type ContractV1 } from "./contract";

/** How a field's value is checked. */
export type FieldKind = "version" | "string" | "string[]" | "optional string";

/** The kind a field of `ContractV1` must have, from its type: a field of a new type fails to compile. */
type KindOf<T> = undefined extends T
  ? Exclude<T, undefined> extends string
    ? "optional string"
    : never
  : T extends typeof CONTRACT_VERSION
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

/** Thrown when a value is not a `contractV1`: `problems` lists every field that is wrong. */
export class ContractError extends Error {
  /** One line per problem, in field order. */
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`${source} is not a valid contractV1:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ContractError";
    this.problems = problems;
  }
}

function shown(value: unknown): string {
  if (value === undefined) return "missing";
  const text = JSON.stringify(value);
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text} (${Array.isArray(value) ? "array" : value === null ? "null" : typeof value})`;
}

function problem(field: string, kind: FieldKind, value: unknown): string | undefined {
  switch (kind) {
    case "version":
      return value === CONTRACT_VERSION
        ? undefined
        : `"${field}" is ${shown(value)}: expected the number ${CONTRACT_VERSION}`;
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
