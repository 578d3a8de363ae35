/**
 * The stacks this program knows, their names, and the raw config Pulumi hands it: what every other
 * part of the config, and the scripts, name a stack by.
 */
import { Region } from "@pulumi/aws/types/enums";

/** The Pulumi project's name (Pulumi.yaml), and the prefix of its config keys. */
export const PROJECT = "comments-platform";
/** The stacks there is a Pulumi.<stack>.yaml for. */
export const STACKS = ["stage", "prod"] as const;
/**
 * Throw-away stacks for a first run in a sandbox account (the Acceptance workflow): `sandbox-`
 * and 1-6 lowercase letters or digits. They take stage's defaults; their stack file is written by
 * the acceptance run, never committed.
 */
export const SANDBOX_STACK = /^sandbox-[a-z][a-z0-9]{0,5}$/;
/** A stack this program knows. */
export type StackName = (typeof STACKS)[number] | `sandbox-${string}`;

/** Whether `stack` is one of STACKS or a sandbox stack. */
export function isStackName(stack: string): stack is StackName {
  return (STACKS as readonly string[]).includes(stack) || SANDBOX_STACK.test(stack);
}

/**
 * The stack's base name: its components' names, and the cluster, service and CodeDeploy names. A
 * sandbox's is `comments-sb-<name>`, no longer than stage's: Pulumi's auto-names add `-` and 7
 * random characters and refuse a name over the resource's limit (32 for a target group:
 * pulumi/pulumi sdk/go/common/resource NewUniqueHex), and `comments-api-stage-green-` is 25.
 */
export function baseName(stack: string): string {
  return stack.startsWith("sandbox-")
    ? `comments-sb-${stack.slice("sandbox-".length)}`
    : `comments-api-${stack}`;
}

/**
 * The regions of the `aws` partition: the provider's own list (@pulumi/aws `Region`) without China,
 * GovCloud, the ISO regions and the European Sovereign Cloud, whose ARNs are in other partitions
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 */
export const AWS_REGIONS: readonly string[] = Object.values(Region)
  .filter((name) => !/^(cn|us-gov|us-iso[a-z]*|eu-iso[a-z]*|eusc)-/.test(name))
  .sort();

/** Strips the project prefix from `pulumi.runtime.allConfig()`'s keys; keeps `aws:region`. */
export function rawConfigFrom(all: Readonly<Record<string, string>>): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = value;
    else if (key === "aws:region") raw[key] = value;
  }
  return raw;
}
