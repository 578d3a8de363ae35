/**
 * The operator permission set from config: `identityCenterInstanceArn` and `operatorGroups`
 * refused with the reason when malformed, and what synth declares with them and without them.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baseName, parseStackConfig as parse, readConfigSpecs } from "../src/config";

const specs = readConfigSpecs();
const parseStackConfig = (stack: string, raw: Record<string, string>) => parse(stack, raw, specs);

import {
  operatorPermissionSetName,
  operatorPolicy,
  PERMISSION_SET_NAME_MAX,
} from "../src/documents/operator";
import { REPO_ROOT, readStackFile } from "../src/stack-file";
import { type SynthResult, synth } from "../src/synth/run";
import { ofType } from "./helpers";

const base = {
  "aws:region": "sa-east-1",
  owner: "platform-team",
  costCentre: "cc-1",
  grafanaRegion: "us-east-1",
};
const INSTANCE = "arn:aws:sso:::instance/ssoins-0123456789abcdef";
const OPERATORS = "906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d";
const ONCALL = "9067a1b2c3-11111111-2222-3333-4444-555555555555";

describe("identityCenterInstanceArn and operatorGroups", () => {
  it("takes an instance and group ids; unset, no permission set and nobody assigned", () => {
    const set = parseStackConfig("stage", {
      ...base,
      identityCenterInstanceArn: INSTANCE,
      operatorGroups: JSON.stringify([OPERATORS, ONCALL]),
    });
    expect(set.ok && set.config.operator).toEqual({
      instanceArn: INSTANCE,
      groups: [OPERATORS, ONCALL],
      sessionDuration: "PT4H",
    });
    const unset = parseStackConfig("stage", base);
    expect(unset.ok && unset.config.operator).toEqual({ groups: [], sessionDuration: "PT4H" });
  });

  it("refuses a malformed instance ARN, a malformed group id, and groups without an instance", () => {
    expect(
      parseStackConfig("stage", {
        ...base,
        identityCenterInstanceArn: "arn:aws:sso:::instance/ins-1",
        operatorGroups: '["operators"]',
      }),
    ).toEqual({
      ok: false,
      problems: [
        'identityCenterInstanceArn="arn:aws:sso:::instance/ins-1": must be an IAM Identity Center instance ARN, like arn:aws:sso:::instance/ssoins-0123456789abcdef (aws sso-admin list-instances)',
        'operatorGroups="operators": must be IAM Identity Center group ids, like 906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d',
      ],
    });
    expect(parseStackConfig("stage", { ...base, operatorGroups: JSON.stringify([OPERATORS]) })).toEqual({
      ok: false,
      problems: [
        "operatorGroups: assigns the operator permission set, which lives in an IAM Identity Center instance; set identityCenterInstanceArn too (aws sso-admin list-instances)",
      ],
    });
  });

  it("takes an operator permission set for an ecs stack too", () => {
    const ecs = parseStackConfig("stage", {
      ...base,
      identityCenterInstanceArn: INSTANCE,
      operatorGroups: JSON.stringify([OPERATORS]),
      releaseStrategy: "ecs",
    });
    expect(ecs.ok && [ecs.config.release.strategy, ecs.config.operator]).toEqual([
      "ecs",
      { instanceArn: INSTANCE, groups: [OPERATORS], sessionDuration: "PT4H" },
    ]);
  });

  it("names the longest stack's permission set within the 32 characters AWS allows", () => {
    // Stack names are stage, prod, or sandbox-<at most 6 characters> (config.ts isStackName).
    expect(operatorPermissionSetName(baseName("sandbox-abcdef"))).toBe("comments-sb-abcdef-operator");
    expect(operatorPermissionSetName(baseName("sandbox-abcdef")).length).toBeLessThanOrEqual(
      PERMISSION_SET_NAME_MAX,
    );
    expect(parseStackConfig("sandbox-abcdefg", base).ok).toBe(false);
  });
});

describe("the operator's policy names the stack's resources only", () => {
  it("is exactly this document for prod", () => {
    const policy = operatorPolicy({
      stack: "prod",
      region: "sa-east-1",
      accountId: "111122223333",
      baseName: "comments-api-prod",
      workspaceArn: "arn:aws:aps:sa-east-1:111122223333:workspace/ws-1",
      logGroups: ["/ecs/comments-api-prod"],
      contractParameterArn: "arn:aws:ssm:sa-east-1:111122223333:parameter/comments-platform/prod/contract/v1",
    });
    expect(policy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      [
        "ReleaseTheStacksService",
        [
          "codedeploy:BatchGetDeployments",
          "codedeploy:CreateDeployment",
          "codedeploy:GetDeployment",
          "codedeploy:GetDeploymentGroup",
          "codedeploy:ListDeployments",
        ],
        "arn:aws:codedeploy:sa-east-1:111122223333:deploymentgroup:comments-api-prod/comments-api-prod",
      ],
      [
        "ReadDeploymentConfigs",
        ["codedeploy:GetDeploymentConfig"],
        [
          "arn:aws:codedeploy:sa-east-1:111122223333:deploymentconfig:CodeDeployDefault.*",
          "arn:aws:codedeploy:sa-east-1:111122223333:deploymentconfig:comments-api-prod-*",
        ],
      ],
      ["StopAndFollowDeployments", ["codedeploy:GetDeploymentTarget", "codedeploy:StopDeployment"], "*"],
      [
        "ReadTheService",
        ["ecs:DescribeServices"],
        "arn:aws:ecs:sa-east-1:111122223333:service/comments-api-prod/comments-api-prod",
      ],
      ["FindRevisions", ["ecs:ListTaskDefinitions"], "*"],
      ["QueryTheStacksPrometheus", ["aps:QueryMetrics"], "arn:aws:aps:sa-east-1:111122223333:workspace/ws-1"],
      [
        "ReadTheStacksLogs",
        [
          "logs:DescribeLogStreams",
          "logs:FilterLogEvents",
          "logs:GetLogEvents",
          "logs:GetQueryResults",
          "logs:StartQuery",
        ],
        [
          "arn:aws:logs:sa-east-1:111122223333:log-group:/ecs/comments-api-prod",
          "arn:aws:logs:sa-east-1:111122223333:log-group:/ecs/comments-api-prod:log-stream:*",
        ],
      ],
      ["ListLogGroups", ["logs:DescribeLogGroups", "logs:StopQuery"], "*"],
      [
        "ReadTheStacksAlarms",
        ["cloudwatch:DescribeAlarms"],
        "arn:aws:cloudwatch:sa-east-1:111122223333:alarm:comments-api-prod-*",
      ],
      [
        "ReadTheContract",
        ["ssm:GetParameter"],
        "arn:aws:ssm:sa-east-1:111122223333:parameter/comments-platform/prod/contract/v1",
      ],
    ]);
  });
});

describe("stage with an operator group", () => {
  let withGroups: SynthResult;
  beforeAll(async () => {
    withGroups = await synth({
      stack: "stage",
      preview: true,
      config: {
        ...readStackFile("stage"),
        "comments-platform:identityCenterInstanceArn": INSTANCE,
        "comments-platform:operatorGroups": JSON.stringify([OPERATORS]),
      },
    });
  });

  it("creates the permission set with its policy, and assigns it to the group in the stack's account", () => {
    expect(ofType(withGroups, "aws:ssoadmin/permissionSet:PermissionSet").map((r) => r.inputs)).toEqual([
      {
        instanceArn: INSTANCE,
        name: "comments-api-stage-operator",
        description: "Release, roll back and read comments-api-stage; no infrastructure change",
        sessionDuration: "PT4H",
        tags: {
          Name: "comments-api-stage-operator",
          "cost-centre": "cc-comments-nonprod",
          owner: "platform-team",
          project: "comments-platform",
          stack: "stage",
        },
      },
    ]);
    const [policy] = ofType(withGroups, "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy");
    expect(policy?.inputs.permissionSetArn).toBe("${ssoadmin:PermissionSet/comments-api-stage-operator.arn}");
    expect(
      JSON.parse(String(policy?.inputs.inlinePolicy)).Statement.find(
        (s: { Sid: string }) => s.Sid === "QueryTheStacksPrometheus",
      ).Resource,
    ).toBe("${amp:Workspace/comments-api-stage-prometheus.arn}");
    const assignments = ofType(withGroups, "aws:ssoadmin/accountAssignment:AccountAssignment");
    expect(assignments.map((r) => [r.inputs, r.options.dependsOn])).toEqual([
      [
        {
          instanceArn: INSTANCE,
          permissionSetArn: "${ssoadmin:PermissionSet/comments-api-stage-operator.arn}",
          principalId: OPERATORS,
          principalType: "GROUP",
          targetId: "${aws:getCallerIdentity.accountId}",
          targetType: "AWS_ACCOUNT",
        },
        ["ssoadmin:PermissionSetInlinePolicy/comments-api-stage-operator"],
      ],
    ]);
  });

  it("declares nothing of IAM Identity Center with the committed stack file", () => {
    // `pnpm synth stage` in its own process: the Pulumi runtime holds one program per process.
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/synth.ts", "stage"], {
      cwd: join(REPO_ROOT, "infra"),
      encoding: "utf8",
    });
    const without = JSON.parse(run.stdout) as SynthResult;
    expect(without.resources.length).toBeGreaterThan(100);
    expect(without.resources.filter((r) => r.type.startsWith("aws:ssoadmin/"))).toEqual([]);
  }, 120_000);
});
