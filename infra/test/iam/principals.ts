/**
 * Every principal of the platform with the policies exactly as `pnpm synth` (stage, prod) and the
 * bootstrap build them, references resolved to AWS's formats (arns.ts): the CI roles the bootstrap
 * creates, the consumer policy, and every role a stack's deploy creates with its inline policies,
 * the AWS managed policies it attaches and the stack's permissions boundary.
 */
import { spawnSync } from "node:child_process";
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

/** An IAM Identity Center instance (the API reference's example format). */
export const IDENTITY_CENTER_INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef";
/** Identity Center group ids: the operators, and Grafana's admins and viewers. */
export const GROUPS = {
  operators: "906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d",
  grafanaAdmins: "9067a1b2c3-11111111-2222-3333-4444-555555555555",
  grafanaViewers: "9067a1b2c3-66666666-7777-8888-9999-000000000000",
};

/**
 * What the simulation adds to the committed stack files: the keys they leave unset (no Identity
 * Center resources by default), so the operator permission set, its assignment and the Grafana
 * role associations are in synth and their calls in the tables.
 */
export const IDENTITY_CENTER_CONFIG: Record<string, string> = {
  "comments-platform:identityCenterInstanceArn": IDENTITY_CENTER_INSTANCE,
  "comments-platform:operatorGroups": JSON.stringify([GROUPS.operators]),
  "comments-platform:grafanaAdminGroups": JSON.stringify([GROUPS.grafanaAdmins]),
  "comments-platform:grafanaViewerGroups": JSON.stringify([GROUPS.grafanaViewers]),
};

/**
 * Synthesizes both stacks and the bootstrap (with extra bootstrap config) and resolves references.
 * `releaseStrategy`: the committed stack files with that key added (`ecs`). @default as committed.
 * The stacks get IDENTITY_CENTER_CONFIG too.
 */
export function loadPlatform(
  bootstrapConfig: Record<string, string> = {},
  options: { releaseStrategy?: "ecs" } = {},
): Platform {
  const bootstrap = run([
    "test/iam/synth-bootstrap.ts",
    ...Object.entries(bootstrapConfig).map(([k, v]) => `${k}=${v}`),
  ]);
  const stacks = Object.fromEntries(
    STACKS.map((stack) => {
      const raw = run([
        "test/iam/synth-stack.ts",
        stack,
        ...Object.entries(
          options.releaseStrategy === undefined
            ? IDENTITY_CENTER_CONFIG
            : { ...IDENTITY_CENTER_CONFIG, "comments-platform:releaseStrategy": options.releaseStrategy },
        ).map(([k, v]) => `${k}=${v}`),
      ]);
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

/**
 * A member of `stack`'s operator groups, signed in through the AWS access portal: the role IAM
 * Identity Center provisions for the permission set in the account
 * (`aws-reserved/sso.amazonaws.com/<region>/AWSReservedSSO_<permission set>_<hex>`:
 * https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html), with the
 * permission set's inline policy as synth builds it.
 */
export function operator(platform: Platform, stack: Stack): Principal {
  const result = platform.stacks[stack];
  const inline = find(
    result,
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
    `comments-api-${stack}-operator`,
  );
  const set = find(result, "aws:ssoadmin/permissionSet:PermissionSet", `comments-api-${stack}-operator`);
  return {
    name: `operator-${stack}`,
    arn: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/sa-east-1/AWSReservedSSO_${set.inputs.name}_0123456789abcdef`,
    accountId: ACCOUNT,
    policies: { inline: JSON.parse(String(inline.inputs.inlinePolicy)) as Policy },
  };
}
