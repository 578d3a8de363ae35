import { type RecordedResource, type SynthResult, synth } from "../src/synth/run";

export { REQUIRED_TAGS as BASE_TAG_KEYS, UNTAGGABLE } from "../policy/rules";

export function countByType(result: SynthResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { type } of result.resources) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

export function ofType(result: SynthResult, type: string): RecordedResource[] {
  return result.resources.filter((resource) => resource.type === type);
}

/** The one resource of `type` (named `name`, when given); throws unless exactly one matches. */
export function one(result: SynthResult, type: string, name?: string): RecordedResource {
  const found = ofType(result, type).filter((resource) => name === undefined || resource.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${type}${name === undefined ? "" : ` named ${name}`}, found ${found.length}`,
    );
  return found[0] as RecordedResource;
}

/** Security group rules as `group direction port peer`, with groups named by their role. */
export function firewallTable(result: SynthResult): string[] {
  const groups = new Map(
    ofType(result, "aws:ec2/securityGroup:SecurityGroup").map((g) => [
      `${g.name}-id`,
      g.name.split("-").at(-1),
    ]),
  );
  return result.resources
    .filter((r) => r.type.startsWith("aws:vpc/securityGroup"))
    .map((rule) => {
      const direction = rule.type.includes("Ingress") ? "in" : "out";
      const peer = rule.inputs.cidrIpv4 ?? `sg:${groups.get(String(rule.inputs.referencedSecurityGroupId))}`;
      return `${groups.get(String(rule.inputs.securityGroupId))} ${direction} ${rule.inputs.ipProtocol}/${rule.inputs.fromPort}-${rule.inputs.toPort} ${peer}`;
    })
    .sort();
}

/** The bootstrap project under mocks, for repository acme/comments-platform in sa-east-1. */
export function synthBootstrap(): Promise<SynthResult> {
  return synth({
    stack: "bootstrap",
    preview: false,
    config: {
      "aws:region": "sa-east-1",
      "comments-platform-bootstrap:githubRepository": "acme/comments-platform",
      "comments-platform-bootstrap:owner": "platform-team",
      "comments-platform-bootstrap:costCentre": "cc-platform",
    },
    program: () => import("../bootstrap/index.js") as Promise<Record<string, unknown>>,
  });
}
