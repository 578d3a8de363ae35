/**
 * Every call table of the deploy roles in one place: resource type → the provider's calls, the
 * types that make no AWS call (and why), and the calls the program itself makes.
 */
import type { SynthResult } from "../../src/synth/run";
import { IDENTITY_CENTER_CALLS } from "./calls-identity-center";
import { NETWORK_CALLS } from "./calls-network";
import { PLATFORM_CALLS } from "./calls-platform";
import { SERVICE_CALLS } from "./calls-services";
import type { Call } from "./engine";
import { callsOf, type ProviderCall, type TypeCalls } from "./provider-calls";

/** Resource type → the calls the provider makes for one such resource. */
export const DEPLOY_CALLS: Record<string, TypeCalls> = {
  ...NETWORK_CALLS,
  ...SERVICE_CALLS,
  ...PLATFORM_CALLS,
  ...IDENTITY_CENTER_CALLS,
};

/** Types in synth that make no AWS call with the deploy role's credentials, and why. */
export const NO_AWS_CALLS: Record<string, string> = {
  "pulumi:pulumi:Stack": "the stack itself: state only",
  "pulumi:providers:aws": "a provider: no resource",
  "pulumi:providers:grafana": "a provider: no resource",
  "grafana:oss/dashboard:Dashboard": "Grafana's HTTP API with the workspace's service-account token, not IAM",
  "grafana:oss/dataSource:DataSource":
    "Grafana's HTTP API with the workspace's service-account token, not IAM",
  "grafana:oss/folder:Folder": "Grafana's HTTP API with the workspace's service-account token, not IAM",
};

/** A type of ours (a ComponentResource) groups children: it makes no call itself. */
export const isComponent = (type: string) => type.startsWith("comments-platform:");

/** The resource types of a synth result that neither table nor list covers. */
export function uncovered(result: SynthResult): string[] {
  const types = new Set(result.resources.map((r) => r.type));
  return [...types].filter((t) => !(t in DEPLOY_CALLS) && !(t in NO_AWS_CALLS) && !isComponent(t)).sort();
}

/** Every provider call for every resource a stack declares, in synth's order. */
export function deployCalls(result: SynthResult): ProviderCall[] {
  return result.resources.flatMap((resource) => {
    const spec = DEPLOY_CALLS[resource.type];
    return spec === undefined ? [] : callsOf(spec, { stack: result.stack, resource, all: result.resources });
  });
}

/** What the program asks AWS itself, whatever it declares (its data sources). */
export const PROGRAM_CALLS: Call[] = [
  {
    action: "sts:GetCallerIdentity",
    resource: "*",
    source: "aws.getCallerIdentityOutput (src/components, bootstrap)",
  },
  {
    action: "ec2:DescribeAvailabilityZones",
    resource: "*",
    source: "aws.getAvailabilityZones (src/components/network.ts)",
  },
  {
    action: "ecr:GetAuthorizationToken",
    resource: "*",
    source: "aws.ecr.getAuthorizationToken (src/components/registry.ts)",
  },
];
