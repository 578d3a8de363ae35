/**
 * The bootstrap's roles for other teams under the IAM engine: a team whose stacks share our state
 * bucket writes its own project's files (the keys the Pulumi CLI's S3 backend uses, pulumi/pulumi
 * pkg/backend/diy) and reads ours, never writes ours; every team reads the contract parameters;
 * only the team's principal may assume its role.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/stack-file";
import type { SynthResult } from "../src/synth/run";
import { arnOf, resolver, unresolved } from "./iam/arns";
import { ACCOUNT, type Call, evaluate, type Policy, type Principal, REGION, unexpected } from "./iam/engine";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";

const TEAMS = [
  { name: "reporting", principal: "arn:aws:iam::444455556666:root", project: "reporting" },
  { name: "search", principal: "arn:aws:iam::777788889999:role/search-ci" },
];
let bootstrap: SynthResult;
let bucket: string;
let stateKey: string;
let prodKey: string;

beforeAll(() => {
  // The bootstrap as `pnpm synth` builds it, in its own process, with two teams configured.
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/iam/synth-bootstrap.ts",
      `comments-platform-bootstrap:consumerTeams=${JSON.stringify(TEAMS)}`,
    ],
    { cwd: join(REPO_ROOT, "infra"), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) throw new Error(`bootstrap synth failed: ${run.stderr}`);
  const raw = JSON.parse(run.stdout) as SynthResult;
  bootstrap = JSON.parse(resolver(raw)(run.stdout)) as SynthResult;
  const find = (type: string, name: string) => {
    const found = bootstrap.resources.find((r) => r.type === type && r.name === name);
    if (found === undefined) throw new Error(`no ${type} ${name}`);
    return arnOf(found, bootstrap.resources);
  };
  bucket = find("aws:s3/bucket:Bucket", "state");
  stateKey = find("aws:kms/key:Key", "state");
  prodKey = find("aws:kms/key:Key", "secrets-prod");
});

function teamRole(name: string): Principal {
  const role = bootstrap.resources.find(
    (r) => r.type === "aws:iam/role:Role" && r.name === `consumer-${name}`,
  );
  const inline = bootstrap.resources.find(
    (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `consumer-${name}`,
  );
  const policy = String(inline?.inputs.policy);
  expect(unresolved(policy)).toEqual([]);
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${role?.inputs.name}`,
    accountId: ACCOUNT,
    policies: { inline: JSON.parse(policy) as Policy },
  };
}

/** Evaluates calls with the resource policies that decide too: the bucket's, the keys' (default). */
function judge(principal: Principal, calls: Call[]) {
  return evaluate(principal, withResourcePolicies(calls, resourcePolicies(bootstrap)));
}

const object = (key: string) => `${bucket}/${key}`;
const list = (prefix: string, source: string): Call => ({
  action: "s3:ListBucket",
  resource: bucket,
  context: { "s3:prefix": prefix },
  source,
});
const viaS3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com` };
const parameter = (stack: string) =>
  `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/comments-platform/${stack}/contract/v1`;

// `pulumi up` of stack `prod` of project `reporting` with a StackReference to ours (diy: state.go
// stackPath lists `<stack>.json*`, lock.go writes and lists the lock, backupStack/addToHistory).
function runsItsOwnStack(): Call[] {
  return [
    { action: "s3:GetObject", resource: object(".pulumi/meta.yaml"), source: "diy meta.go readPulumiMeta" },
    list(".pulumi/stacks/reporting/prod.json", "diy state.go stackPath"),
    list(".pulumi/locks/organization/reporting/prod/", "diy lock.go checkForLock"),
    list(".pulumi/history/reporting/prod/", "diy state.go getHistory"),
    ...[
      ".pulumi/locks/organization/reporting/prod/0f3b6c2e-9a41-4c6e-8d6f-1b2a3c4d5e6f.json",
      ".pulumi/stacks/reporting/prod.json",
      ".pulumi/stacks/reporting/prod.json.bak",
      ".pulumi/backups/reporting/prod/prod.1765000000000000000.json",
      ".pulumi/history/reporting/prod/prod-1765000000000000000.history.json",
      ".pulumi/history/reporting/prod/prod-1765000000000000000.checkpoint.json",
    ].flatMap((key) => [
      { action: "s3:PutObject", resource: object(key), source: "diy: the CLI writes it" },
      { action: "s3:GetObject", resource: object(key), source: "diy: the CLI reads it" },
    ]),
    {
      action: "s3:DeleteObject",
      resource: object(".pulumi/locks/organization/reporting/prod/0f3b6c2e-9a41-4c6e-8d6f-1b2a3c4d5e6f.json"),
      source: "diy lock.go Unlock",
    },
    list(".pulumi/stacks/comments-platform/prod.json", "StackReference: diy state.go stackPath"),
    {
      action: "s3:GetObject",
      resource: object(".pulumi/stacks/comments-platform/prod.json"),
      source: "StackReference: diy getSnapshotStackOutputs",
    },
    { action: "kms:GenerateDataKey", resource: stateKey, context: viaS3, source: "S3 SSE-KMS on PutObject" },
    { action: "kms:Decrypt", resource: stateKey, context: viaS3, source: "S3 SSE-KMS on GetObject" },
    { action: "kms:Decrypt", resource: prodKey, source: "StackReference: DeserializeStackOutputs" },
    { action: "ssm:GetParameter", resource: parameter("prod"), source: "readContract" },
  ];
}

describe("a consumer team with a project in our backend", () => {
  it("makes every call a pulumi up of its own stack with a reference to ours makes", async () => {
    expect(unexpected(await judge(teamRole("reporting"), runsItsOwnStack()), "Allowed")).toEqual([]);
  });

  it("never writes our stacks, reads no other project, lists no other project", async () => {
    const role = teamRole("reporting");
    const verdicts = await judge(role, [
      {
        action: "s3:PutObject",
        resource: object(".pulumi/stacks/comments-platform/prod.json"),
        source: "ours",
      },
      {
        action: "s3:DeleteObject",
        resource: object(".pulumi/locks/organization/comments-platform/prod/a.json"),
        source: "our lock",
      },
      {
        action: "s3:PutObject",
        resource: object(".pulumi/stacks/billing/prod.json"),
        source: "another team",
      },
      {
        action: "s3:GetObject",
        resource: object(".pulumi/stacks/billing/prod.json"),
        source: "another team",
      },
      {
        action: "s3:GetObject",
        resource: object(".pulumi/history/comments-platform/prod/prod-1.checkpoint.json"),
        source: "our history",
      },
      list(".pulumi/stacks/", "pulumi stack ls: every project"),
      list(".pulumi/stacks/reporting-archive/", "a project whose name starts like its own"),
      { action: "kms:Decrypt", resource: stateKey, source: "the state key outside S3" },
      { action: "kms:Encrypt", resource: prodKey, source: "our secrets key, to encrypt" },
      { action: "ssm:PutParameter", resource: parameter("prod"), source: "the contract, written" },
      {
        action: "ssm:GetParameter",
        resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/comments-platform/prod/other`,
        source: "another parameter",
      },
    ]);
    expect(verdicts.map((v) => `${v.decision} ${v.action} ${v.source}`)).toEqual([
      "ExplicitlyDenied s3:PutObject ours",
      "ExplicitlyDenied s3:DeleteObject our lock",
      "ImplicitlyDenied s3:PutObject another team",
      "ImplicitlyDenied s3:GetObject another team",
      "ImplicitlyDenied s3:GetObject our history",
      "ImplicitlyDenied s3:ListBucket pulumi stack ls: every project",
      "ImplicitlyDenied s3:ListBucket a project whose name starts like its own",
      "ImplicitlyDenied kms:Decrypt the state key outside S3",
      "ImplicitlyDenied kms:Encrypt our secrets key, to encrypt",
      "ImplicitlyDenied ssm:PutParameter the contract, written",
      "ImplicitlyDenied ssm:GetParameter another parameter",
    ]);
  });
});

describe("a consumer team without a project", () => {
  it("reads both contracts and no state", async () => {
    const verdicts = await judge(teamRole("search"), [
      { action: "ssm:GetParameter", resource: parameter("prod"), source: "readContract prod" },
      { action: "ssm:GetParameter", resource: parameter("stage"), source: "readContract stage" },
      {
        action: "s3:GetObject",
        resource: object(".pulumi/stacks/comments-platform/prod.json"),
        source: "state",
      },
    ]);
    expect(verdicts.map((v) => `${v.decision} ${v.source}`)).toEqual([
      "Allowed readContract prod",
      "Allowed readContract stage",
      "ImplicitlyDenied state",
    ]);
  });
});

describe("who may assume a team's role", () => {
  // Cross-account AssumeRole: the role's trust policy and the caller's own policy both decide.
  async function assume(role: string, caller: string, callerAccount: string) {
    const trust = JSON.parse(
      String(
        bootstrap.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === `consumer-${role}`)
          ?.inputs.assumeRolePolicy,
      ),
    ) as Policy;
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/comments-platform-consumer-${role}`;
    const result = await runSimulation(
      {
        identityPolicies: [
          {
            name: "caller",
            policy: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArn }],
            },
          },
        ],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
        request: {
          action: "sts:AssumeRole",
          principal: caller,
          resource: { resource: roleArn, accountId: ACCOUNT },
          contextVariables: { "aws:PrincipalAccount": callerAccount },
        },
      },
      {},
    );
    return result.resultType === "error" ? JSON.stringify(result.errors) : result.overallResult;
  }

  it("lets the team's account or role in, and nobody else", async () => {
    expect([
      await assume("reporting", "arn:aws:iam::444455556666:role/reporting-ci", "444455556666"),
      await assume("reporting", "arn:aws:iam::777788889999:role/search-ci", "777788889999"),
      await assume("search", "arn:aws:iam::777788889999:role/search-ci", "777788889999"),
      await assume("search", "arn:aws:iam::777788889999:role/other", "777788889999"),
    ]).toEqual(["Allowed", "ImplicitlyDenied", "Allowed", "ImplicitlyDenied"]);
  });
});

describe("the bootstrap's teams", () => {
  it("creates one role per team, with its inline policy, and outputs each ARN by team", () => {
    const roles = bootstrap.resources.filter(
      (r) => r.type === "aws:iam/role:Role" && r.name.startsWith("consumer-"),
    );
    expect(roles.map((r) => [r.name, r.inputs.name, r.inputs.description])).toEqual([
      [
        "consumer-reporting",
        "comments-platform-consumer-reporting",
        "Team reporting: reads the comments-platform contract, writes project reporting's state",
      ],
      [
        "consumer-search",
        "comments-platform-consumer-search",
        "Team search: reads the comments-platform contract",
      ],
    ]);
    expect(
      bootstrap.resources
        .filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.startsWith("consumer-"))
        .map((r) => r.inputs.role),
    ).toEqual(["comments-platform-consumer-reporting", "comments-platform-consumer-search"]);
    expect(bootstrap.outputs.consumerRoleArns).toEqual({
      reporting: `arn:aws:iam::${ACCOUNT}:role/comments-platform-consumer-reporting`,
      search: `arn:aws:iam::${ACCOUNT}:role/comments-platform-consumer-search`,
    });
  });
});
