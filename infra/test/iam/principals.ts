/**
 * Every principal of the platform with the policies exactly as `pnpm synth` (stage, prod) and the
 * bootstrap build them, references resolved to AWS's formats (arns.ts): the CI roles the bootstrap
 * creates, the consumer policy, and every role a stack's deploy creates with its inline policies,
 * the AWS managed policies it attaches and the stack's permissions boundary.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../src/stack-file";
import type { RecordedResource, SynthResult } from "../../src/synth/run";
import { awsName, resolver } from "./arns";
import { ACCOUNT, type Policy, type Principal } from "./engine";

/** The stacks the bootstrap serves. */
export const STACKS = ["stage", "prod"] as const;
export type Stack = (typeof STACKS)[number];

/**
 * AWS managed policies a role of ours may attach, as AWS publishes them (AWS managed policy
 * reference). AWSLambdaVPCAccessExecutionRole v3:
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html
 */
export const AWS_MANAGED: Record<string, Policy> = {
  "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole": {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSLambdaVPCAccessExecutionPermissions",
        Effect: "Allow",
        Action: [
          "logs:CreateLogGroup",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        Resource: "*",
      },
    ],
  },
};

function run(args: string[]): SynthResult {
  const result = spawnSync(process.execPath, ["--import", "tsx", ...args], {
    cwd: join(REPO_ROOT, "infra"),
    encoding: "utf8",
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as SynthResult;
}

/** A synth result with every reference resolved, inputs included. */
function resolved(result: SynthResult, resolve: (text: string) => string): SynthResult {
  return JSON.parse(resolve(JSON.stringify(result))) as SynthResult;
}

/** What the tests evaluate: both stacks and the bootstrap, one process each (as `pnpm synth` runs). */
export interface Platform {
  stacks: Record<Stack, SynthResult>;
  bootstrap: SynthResult;
}

/**
 * Synthesizes both stacks and the bootstrap (with extra bootstrap config) and resolves references.
 * `releaseStrategy`: the committed stack files with that key added (`ecs`). @default as committed
 */
export function loadPlatform(
  bootstrapConfig: Record<string, string> = {},
  options: { releaseStrategy?: "ecs" } = {},
): Platform {
  const bootstrap = run([
    "test/iam/synth-bootstrap.ts",
    ...Object.entries(bootstrapConfig).map(([k, v]) => `${k}=${v}`),
  ]);
  const root = options.releaseStrategy === undefined ? undefined : mkdtempSync(join(tmpdir(), "iam-ecs-"));
  const stacks = Object.fromEntries(
    STACKS.map((stack) => {
      if (root !== undefined) {
        const file = `Pulumi.${stack}.yaml`;
        writeFileSync(
          join(root, file),
          `${readFileSync(join(REPO_ROOT, file), "utf8").trimEnd()}\n  comments-platform:releaseStrategy: ${options.releaseStrategy}\n`,
        );
      }
      const raw = run(["scripts/synth.ts", stack, ...(root === undefined ? [] : ["--root", root])]);
      return [stack, resolved(raw, resolver(raw, bootstrap))];
    }),
  ) as Record<Stack, SynthResult>;
  return { stacks, bootstrap: resolved(bootstrap, resolver(bootstrap)) };
}

function find(result: SynthResult, type: string, name: string): RecordedResource {
  const found = result.resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`${result.stack}: no ${type} named ${name}`);
  return found;
}

const policyOf = (resource: RecordedResource) => JSON.parse(String(resource.inputs.policy)) as Policy;

/** An IAM managed policy of the bootstrap by its Pulumi name (`deploy-stage`, `boundary-prod`). */
export function bootstrapPolicy(platform: Platform, name: string): Policy {
  return policyOf(find(platform.bootstrap, "aws:iam/policy:Policy", name));
}

/**
 * A CI role of the bootstrap (`deploy-stage`, `preview-prod`): its attached managed policies (the
 * bootstrap's own, or AWS's by ARN) and its inline policies.
 */
export function ciRole(platform: Platform, name: string): Principal {
  const role = find(platform.bootstrap, "aws:iam/role:Role", name);
  const managedArns = platform.bootstrap.resources
    .filter(
      (r) =>
        r.type === "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive" &&
        r.inputs.roleName === role.inputs.name,
    )
    .flatMap((r) => r.inputs.policyArns as string[]);
  const policies: Record<string, Policy> = {};
  for (const arn of [...((role.inputs.managedPolicyArns as string[] | undefined) ?? []), ...managedArns]) {
    const own = platform.bootstrap.resources.find(
      (r) => r.type === "aws:iam/policy:Policy" && arn.endsWith(`:policy/${r.inputs.name}`),
    );
    const policy = own === undefined ? AWS_MANAGED[arn] : policyOf(own);
    if (policy === undefined) throw new Error(`${name}: no document for managed policy ${arn}`);
    policies[arn] = policy;
  }
  for (const inline of platform.bootstrap.resources.filter(
    (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === role.inputs.name,
  )) {
    policies[inline.name] = policyOf(inline);
  }
  return { name, arn: `arn:aws:iam::${ACCOUNT}:role/${role.inputs.name}`, accountId: ACCOUNT, policies };
}

/** Another team's role with the bootstrap's consumer policy of `stack` attached. */
export function consumer(platform: Platform, stack: Stack): Principal {
  return {
    name: `consumer-${stack}`,
    arn: `arn:aws:iam::${ACCOUNT}:role/other-team-reads-${stack}`,
    accountId: ACCOUNT,
    policies: { consumer: bootstrapPolicy(platform, `consumer-${stack}`) },
  };
}

/**
 * A role a stack's deploy creates (by its Pulumi name, `comments-api-stage-task`): its inline
 * policies, its AWS managed policies, and the boundary it carries, as the bootstrap defines it.
 */
export function stackRole(platform: Platform, stack: Stack, name: string): Principal {
  const result = platform.stacks[stack];
  const role = find(result, "aws:iam/role:Role", name);
  const roleName = awsName(role);
  const policies: Record<string, Policy> = {};
  for (const arn of (role.inputs.managedPolicyArns as string[] | undefined) ?? []) {
    const policy = AWS_MANAGED[arn];
    if (policy === undefined) throw new Error(`${name}: no document for managed policy ${arn}`);
    policies[arn] = policy;
  }
  for (const inline of result.resources.filter(
    (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === roleName,
  )) {
    policies[inline.name] = policyOf(inline);
  }
  const boundary = platform.bootstrap.resources.find(
    (r) =>
      r.type === "aws:iam/policy:Policy" &&
      role.inputs.permissionsBoundary === `arn:aws:iam::${ACCOUNT}:policy/${r.inputs.name}`,
  );
  if (boundary === undefined) throw new Error(`${name}: boundary ${role.inputs.permissionsBoundary} unknown`);
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
    accountId: ACCOUNT,
    policies,
    boundary: policyOf(boundary),
  };
}
