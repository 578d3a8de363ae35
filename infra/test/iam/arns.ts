/**
 * Turns the references `pnpm synth` shows (`${iam:Role/comments-api-stage-task.arn}`) into the values
 * AWS would compute, in AWS's own formats (Service Authorization Reference, "Resource types" of each
 * service), so the engine matches policies against real ARNs. A reference no rule knows stays as it
 * is, and `unresolved` names it: a test fails instead of simulating a fake ARN.
 */
import { createHash } from "node:crypto";
import type { RecordedResource, SynthResult } from "../../src/synth/run";
import { ACCOUNT, REGION } from "./engine";

const hex = (seed: string, length: number) =>
  createHash("sha256").update(seed).digest("hex").slice(0, length);
const uuid = (seed: string) => {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * The name AWS knows a resource by: its `name` input, or Pulumi's auto-name (the logical name and
 * seven random characters: https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming).
 */
export function awsName(resource: RecordedResource): string {
  return typeof resource.inputs.name === "string"
    ? resource.inputs.name
    : `${resource.name}-${hex(resource.name, 7)}`;
}

/** The value AWS computes for `output` of `resource`, or undefined when no rule knows it. */
export function computed(
  resource: RecordedResource,
  output: string,
  all: RecordedResource[],
): string | undefined {
  const name = awsName(resource);
  const at = `${REGION}:${ACCOUNT}`;
  switch (`${resource.type}.${output}`) {
    case "aws:iam/role:Role.arn":
      return `arn:aws:iam::${ACCOUNT}:role/${name}`;
    case "aws:iam/role:Role.id":
    case "aws:iam/role:Role.name":
    case "aws:iam/policy:Policy.name":
      return name;
    case "aws:iam/policy:Policy.arn":
      return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider.arn":
      return `arn:aws:iam::${ACCOUNT}:oidc-provider/${String(resource.inputs.url).replace("https://", "")}`;
    case "aws:s3/bucket:Bucket.arn":
      return `arn:aws:s3:::${resource.inputs.bucketPrefix}${hex(resource.name, 26)}`;
    case "aws:s3/bucket:Bucket.id":
    case "aws:s3/bucket:Bucket.bucket":
      return `${resource.inputs.bucketPrefix}${hex(resource.name, 26)}`;
    case "aws:kms/key:Key.arn":
      return `arn:aws:kms:${at}:key/${uuid(resource.name)}`;
    case "aws:kms/key:Key.keyId":
      return uuid(resource.name);
    case "aws:sns/topic:Topic.arn":
      return `arn:aws:sns:${at}:${name}`;
    case "aws:lambda/function:Function.arn":
      return `arn:aws:lambda:${at}:function:${name}`;
    case "aws:ecr/repository:Repository.arn":
      return `arn:aws:ecr:${at}:repository/${name}`;
    case "aws:cloudwatch/logGroup:LogGroup.arn":
      return `arn:aws:logs:${at}:log-group:${name}`;
    case "aws:amp/workspace:Workspace.arn":
      return `arn:aws:aps:${at}:workspace/ws-${uuid(resource.name)}`;
    case "aws:ssoadmin/permissionSet:PermissionSet.arn":
      // arn:aws:sso:::permissionSet/<instance id>/ps-<16 hex> (Service Authorization Reference, IAM
      // Identity Center resource types; API_PermissionSet: PermissionSetArn).
      return `arn:aws:sso:::permissionSet/${String(resource.inputs.instanceArn).split("/")[1]}/ps-${hex(resource.name, 16)}`;
    case "aws:grafana/workspace:Workspace.arn":
      return `arn:aws:grafana:${at}:/workspaces/g-${hex(resource.name, 10)}`;
    case "aws:rds/instance:Instance.masterUserSecrets[0].secretArn":
      return `arn:aws:secretsmanager:${at}:secret:rds!db-${uuid(resource.name)}-${hex(resource.name, 6)}`;
    case "aws:lb/loadBalancer:LoadBalancer.arn":
      return `arn:aws:elasticloadbalancing:${at}:loadbalancer/app/${name}/${hex(resource.name, 16)}`;
    case "aws:lb/targetGroup:TargetGroup.arn":
      return `arn:aws:elasticloadbalancing:${at}:targetgroup/${name}/${hex(resource.name, 16)}`;
    case "aws:lb/listener:Listener.arn": {
      const balancer = all.find((r) => r.type === "aws:lb/loadBalancer:LoadBalancer");
      const lb = balancer === undefined ? "none" : awsName(balancer);
      return `arn:aws:elasticloadbalancing:${at}:listener/app/${lb}/${hex(lb, 16)}/${hex(resource.name, 16)}`;
    }
    case "aws:lb/listenerRule:ListenerRule.arn": {
      // listener-rule/app/<lb>/<lb id>/<listener id>/<rule id>: the rule's listener's ARN, one more id.
      // The input is a reference in a plan, the listener's ARN once resolved.
      const input = String(resource.inputs.listenerArn);
      const listenerName = /^\$\{lb:Listener\/([^.}]+)\.arn\}$/.exec(input)?.[1];
      const listener = all.find((r) => r.type === "aws:lb/listener:Listener" && r.name === listenerName);
      const listenerArn = input.startsWith("arn:")
        ? input
        : listener === undefined
          ? undefined
          : computed(listener, "arn", all);
      return listenerArn?.replace(":listener/", ":listener-rule/").concat(`/${hex(resource.name, 16)}`);
    }
    case "aws:wafv2/webAcl:WebAcl.arn":
      return `arn:aws:wafv2:${at}:regional/webacl/${name}/${uuid(resource.name)}`;
    case "aws:ecs/taskDefinition:TaskDefinition.arn":
      return `arn:aws:ecs:${at}:task-definition/${resource.inputs.family}:1`;
    case "aws:ecs/cluster:Cluster.arn":
      return `arn:aws:ecs:${at}:cluster/${name}`;
    case "aws:ec2/subnet:Subnet.id":
      return `subnet-${hex(resource.name, 17)}`;
    case "aws:ec2/securityGroup:SecurityGroup.id":
      return `sg-${hex(resource.name, 17)}`;
    case "aws:ec2/vpc:Vpc.id":
      return `vpc-${hex(resource.name, 17)}`;
    default:
      return undefined;
  }
}

const REFERENCE = /\$\{([a-z0-9-]+):([A-Za-z0-9]+)\/([^}]+?)\.([A-Za-z0-9[\].]+)\}/g;

/**
 * A function that replaces every reference in a string with its computed value, over the resources
 * of the given synth results (a stack and the bootstrap).
 */
export function resolver(...results: SynthResult[]): (text: string) => string {
  const all = results.flatMap((r) => r.resources);
  return (text: string) =>
    text
      .replaceAll("${aws:getCallerIdentity.accountId}", ACCOUNT)
      .replace(REFERENCE, (whole, module: string, kind: string, name: string, output: string) => {
        const resource = all.find(
          (r) =>
            r.name === name && r.type.split(":")[1]?.split("/")[0] === module && r.type.endsWith(`:${kind}`),
        );
        return resource === undefined ? whole : (computed(resource, output, all) ?? whole);
      });
}

/** The references left in a text: none, once every value is known. */
export function unresolved(text: string): string[] {
  return [...text.matchAll(/\$\{[^}]+\}/g)].map((m) => m[0]);
}

/** The real ARN of a resource AWS names after its `name` input (see `computed`). */
export function arnOf(resource: RecordedResource, all: RecordedResource[]): string {
  const arn = computed(resource, "arn", all);
  if (arn === undefined) throw new Error(`no ARN rule for ${resource.type} ${resource.name}`);
  return arn;
}
