/**
 * The shape of the deploy role's call tables: per resource type, the calls the provider makes to
 * create, read, update and delete it (terraform-provider-aws, which @pulumi/aws wraps:
 * https://github.com/pulumi/pulumi-aws, "bridged from terraform-provider-aws"), each row citing the
 * provider's file and function.
 */
import { createHash } from "node:crypto";
import type { RecordedResource } from "../../src/synth/run";
import { arnOf, awsName } from "./arns";
import { ACCOUNT, type Call, REGION } from "./engine";

/** The four things `pulumi up`, `preview --refresh` and `destroy` do to a resource. */
export type Verb = "create" | "read" | "update" | "delete";

/** What a row builder knows: the stack, its resources (references resolved) and the resource. */
export interface Scope {
  stack: string;
  resource: RecordedResource;
  all: RecordedResource[];
}

/** One provider call: which of the four operations makes it, and the call. */
export interface ProviderCall extends Call {
  verb: Verb;
}

/** A resource type's calls: the provider file, and the rows for one declared resource. */
export interface TypeCalls {
  /** `internal/service/<service>/<file>.go` in hashicorp/terraform-provider-aws. */
  file: string;
  /** The provider's resource name in its functions: `VPC` for resourceVPCCreate/Read/Update/Delete. */
  fn: string;
  rows: (scope: Scope) => Array<[Verb, string, string, Record<string, string | string[]>?, string?]>;
}

/** `arn:aws:<service>:<region>:<account>:<path>` */
export const arn = (service: string, path: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${path}`;

/** The ARN of the first resource of `type` (named `name`, when given) in the scope. */
export function arnOfType(scope: Scope, type: string, name?: string): string {
  const found = scope.all.find((r) => r.type === type && (name === undefined || r.name === name));
  if (found === undefined) throw new Error(`no ${type} ${name ?? ""} in ${scope.stack}`);
  return arnOf(found, scope.all);
}

/** The id of an EC2 resource in AWS's format, from its Pulumi name (`vpc-…`, `subnet-…`). */
export function ec2Id(prefix: string, resource: RecordedResource): string {
  return `${prefix}-${createHash("sha256").update(resource.name).digest("hex").slice(0, 17)}`;
}

/** The calls of one declared resource, with its stack's tags in the request context. */
export function callsOf(spec: TypeCalls, scope: Scope): ProviderCall[] {
  // Every resource a stack declares carries `stack=<stack>` (the policy pack's REQUIRED_TAGS): on
  // create as a request tag, afterwards as a resource tag. The isolation policy decides on both.
  const tags = { "aws:RequestTag/stack": scope.stack, "aws:ResourceTag/stack": scope.stack };
  return spec.rows(scope).map(([verb, action, resource, context, source]) => ({
    verb,
    action,
    resource,
    context: { ...tags, ...context },
    source:
      source ??
      `terraform-provider-aws ${spec.file} resource${spec.fn}${verb[0]?.toUpperCase()}${verb.slice(1)}`,
  }));
}

/** `iam:PassRole` of a role the resource names, to the service that assumes it. */
export function passRole(roleArn: string, service: string): [Verb, string, string, Record<string, string>] {
  return ["create", "iam:PassRole", roleArn, { "iam:PassedToService": service }];
}

/** The ARN of the role a resource input names (a role ARN after resolution). */
export function roleInput(scope: Scope, input: string): string {
  const value = scope.resource.inputs[input];
  if (typeof value !== "string" || !value.startsWith("arn:aws:iam::")) {
    throw new Error(`${scope.resource.name}.${input} is no role ARN: ${JSON.stringify(value)}`);
  }
  return value;
}

/** `iam:CreateServiceLinkedRole` for `service`, on the role AWS creates. */
export function serviceLinkedRole(
  service: string,
  roleName: string,
  source: string,
): [Verb, string, string, Record<string, string>, string] {
  return [
    "create",
    "iam:CreateServiceLinkedRole",
    `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/${roleName}`,
    { "iam:AWSServiceName": service },
    source,
  ];
}

export { awsName };
