/** The bootstrap project under mocks, and its documents. */
import { beforeAll, describe, expect, it } from "vitest";
import {
  consumerReadPolicy,
  githubTrustPolicy,
  stackIsolationPolicy,
  stackStateFiles,
  stateAccessPolicy,
  tlsOnlyBucketPolicy,
} from "../bootstrap/documents";
import type { SynthResult } from "../src/synth/run";
import { countByType, ofType, one, synthBootstrap } from "./helpers";

let result: SynthResult;
beforeAll(async () => {
  result = await synthBootstrap();
});

describe("bootstrap", () => {
  it("creates the state bucket versioned, KMS-encrypted, private and TLS-only", () => {
    expect(countByType(result)).toMatchObject({
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:kms/key:Key": 3,
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
      "aws:iam/role:Role": 4,
      "aws:iam/rolePolicy:RolePolicy": 8,
    });
    expect(one(result, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      JSON.stringify(
        one(result, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
          .inputs.rules,
      ),
    ).toContain('"sseAlgorithm":"aws:kms"');
  });

  // The S3 *V2 resources are deprecated in @pulumi/aws 7 (each warned on every run).
  it("declares no deprecated resource: the program raises no warning", () => {
    expect(result.warnings).toEqual([]);
    expect(result.resources.filter((r) => /V2$/.test(r.type)).map((r) => r.type)).toEqual([]);
  });

  it("lets each role be assumed only by this repository's matching environment", () => {
    const trust = (name: string) =>
      JSON.parse(
        String(ofType(result, "aws:iam/role:Role").find((r) => r.name === name)?.inputs.assumeRolePolicy),
      ).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"];
    expect(["preview-stage", "deploy-stage", "preview-prod", "deploy-prod"].map(trust)).toEqual([
      "repo:acme/comments-platform:environment:stage-preview",
      "repo:acme/comments-platform:environment:stage",
      "repo:acme/comments-platform:environment:prod-preview",
      "repo:acme/comments-platform:environment:prod",
    ]);
    // Previews hold the bootstrap's read policy (preview-policy.ts), exclusively: not ReadOnlyAccess.
    expect(
      one(result, "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "preview-prod")
        .inputs,
    ).toEqual({
      roleName: "comments-platform-prod-preview",
      policyArns: ["arn:aws:iam:sa-east-1:123456789012:preview-prod"],
    });
    expect(ofType(result, "aws:iam/role:Role").map((r) => r.inputs.managedPolicyArns)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("gives deploy roles two-hour sessions and previews one", () => {
    expect(
      Object.fromEntries(
        ofType(result, "aws:iam/role:Role").map((r) => [r.name, r.inputs.maxSessionDuration]),
      ),
    ).toEqual({ "preview-stage": 3600, "deploy-stage": 7200, "preview-prod": 3600, "deploy-prod": 7200 });
  });

  it("lets every role use the state bucket's key through S3, reading or also writing", () => {
    const statement = (name: string) =>
      JSON.parse(
        String(ofType(result, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === name)?.inputs.policy),
      ).Statement.find((s: { Sid: string }) => s.Sid === "StateEncryption");
    const stateKey = ofType(result, "aws:kms/key:Key").find((k) => k.name === "state");
    expect(stateKey).toBeDefined();
    expect(statement("preview-stage-state").Action).toEqual(["kms:Decrypt"]);
    expect(statement("deploy-prod-state").Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey"]);
    expect(statement("preview-stage-state").Resource).toBe(statement("deploy-prod-state").Resource);
  });

  // pulumi/pulumi pkg/backend/diy: stacks at .pulumi/stacks/<project>/<stack>.json (.gz or .zst when
  // compressed), history and backups per project and stack, locks under the fully qualified name
  // organization/<project>/<stack> (lock.go: stackLockDir(stackRef.FullyQualifiedName())).
  it("lets the deploy role read and write exactly its stack's files in the layout the CLI writes, and use the state key", () => {
    const bucket = "arn:aws:s3:sa-east-1:123456789012:state";
    const policy = JSON.parse(
      String(one(result, "aws:iam/rolePolicy:RolePolicy", "deploy-stage-state").inputs.policy),
    );
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ListState",
          Effect: "Allow",
          Action: ["s3:ListBucket", "s3:GetBucketLocation"],
          Resource: bucket,
        },
        {
          Sid: "BackendMetadata",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: `${bucket}/.pulumi/meta.yaml`,
        },
        {
          Sid: "ReadWriteStackState",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: [
            `${bucket}/.pulumi/stacks/comments-platform/stage.json*`,
            `${bucket}/.pulumi/history/comments-platform/stage/*`,
            `${bucket}/.pulumi/backups/comments-platform/stage/*`,
            `${bucket}/.pulumi/journal/comments-platform/stage/*`,
            `${bucket}/.pulumi/locks/organization/comments-platform/stage/*`,
          ],
        },
        {
          Sid: "StateEncryption",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "arn:aws:kms:sa-east-1:123456789012:state",
        },
        {
          Sid: "StackSecrets",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: "arn:aws:kms:sa-east-1:123456789012:secrets-stage",
        },
      ],
    });
    expect(one(result, "aws:kms/key:Key", "state").inputs).toEqual({
      description: "comments-platform Pulumi state bucket",
      enableKeyRotation: true,
      tags: {
        "cost-centre": "cc-platform",
        owner: "platform-team",
        project: "comments-platform",
        stack: "bootstrap",
      },
    });
  });

  it("keeps each stack's roles away from the other stack: state, key, and (deploys) tagged resources", () => {
    const policy = (name: string) =>
      JSON.parse(
        String(ofType(result, "aws:iam/rolePolicy:RolePolicy").find((r) => r.name === name)?.inputs.policy),
      ) as {
        Statement: Array<{
          Sid: string;
          Effect: string;
          Action: unknown;
          Resource: unknown;
          Condition?: unknown;
        }>;
      };
    const keyArn = (stack: string) =>
      ofType(result, "aws:kms/key:Key").find((k) => k.name === `secrets-${stack}`);
    expect(keyArn("prod")).toBeDefined();
    const deployStage = policy("deploy-stage-isolation").Statement;
    expect(deployStage.map((s) => s.Sid)).toEqual([
      "DenyOtherStacksState",
      "DenyOtherStacksSecrets",
      "DenyOtherStacksResources",
      "DenyTaggingAsOtherStacks",
      "ProtectStateBucket",
      "ProtectBootstrapKeys",
      "ProtectBootstrapIdentity",
      "NoLongLivedCredentials",
    ]);
    expect(new Set(deployStage.map((s) => s.Effect))).toEqual(new Set(["Deny"]));
    const bucketArn = "arn:aws:s3:sa-east-1:123456789012:state";
    expect(deployStage[0]?.Resource).toEqual(stackStateFiles(bucketArn, "comments-platform", "prod"));
    expect(deployStage[2]?.Condition).toEqual({ StringEquals: { "aws:ResourceTag/stack": ["prod"] } });
    expect(deployStage[6]?.Resource).toEqual([
      "arn:aws:iam::123456789012:role/comments-platform-*",
      "arn:aws:iam:sa-east-1:123456789012:github",
    ]);
    const previewProd = policy("preview-prod-isolation").Statement;
    expect(previewProd.map((s) => s.Sid)).toEqual(["DenyOtherStacksState", "DenyOtherStacksSecrets"]);
    expect(previewProd[0]?.Resource).toEqual(stackStateFiles(bucketArn, "comments-platform", "stage"));
    expect(previewProd[1]?.Resource).toEqual(["arn:aws:kms:sa-east-1:123456789012:secrets-stage"]);
  });

  it("outputs the GitHub variables the workflows read, per environment", () => {
    expect(result.outputs.githubVariables).toEqual({
      repository: {
        PULUMI_BACKEND_URL: result.outputs.stateBackend,
        AWS_REGION: "sa-east-1",
      },
      environments: {
        "stage-preview": { AWS_ROLE_ARN: roleArn("preview-stage") },
        stage: { AWS_ROLE_ARN: roleArn("deploy-stage") },
        "prod-preview": { AWS_ROLE_ARN: roleArn("preview-prod") },
        prod: { AWS_ROLE_ARN: roleArn("deploy-prod") },
      },
    });
    const bucket = one(result, "aws:s3/bucket:Bucket");
    expect(bucket.inputs.bucketPrefix).toBe("comments-platform-state-");
    expect(result.outputs.stateBackend).toMatch(
      /^s3:\/\/comments-platform-state-[0-9a-f]{8}\?region=sa-east-1$/,
    );
  });
});

/** The ARN the mocks gave a role: what stackAccess reports for it. */
function roleArn(name: string): unknown {
  const [kind, stack] = name.split("-");
  const access = (result.outputs.stackAccess as Array<Record<string, unknown>>).find(
    (a) => a.stack === stack,
  );
  return access?.[kind === "deploy" ? "deployRoleArn" : "previewRoleArn"];
}

describe("bootstrap documents", () => {
  it("isolates a stage deploy role from prod, statement by statement", () => {
    expect(
      stackIsolationPolicy({
        stack: "stage",
        otherStacks: ["prod"],
        project: "p",
        bucketArn: "arn:aws:s3:::b",
        otherStackKeyArns: ["arn:aws:kms:r:1:key/prod"],
        write: true,
        bootstrap: {
          stateKeyArn: "arn:aws:kms:r:1:key/state",
          stackKeyArns: ["arn:aws:kms:r:1:key/stage", "arn:aws:kms:r:1:key/prod"],
          aliasArnPattern: "arn:aws:kms:r:1:alias/comments-platform-*",
          roleArnPattern: "arn:aws:iam::1:role/comments-platform-*",
          oidcProviderArn: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com",
        },
      }),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyOtherStacksState",
          Effect: "Deny",
          Action: "s3:*",
          Resource: [
            "arn:aws:s3:::b/.pulumi/stacks/p/prod.json*",
            "arn:aws:s3:::b/.pulumi/history/p/prod/*",
            "arn:aws:s3:::b/.pulumi/backups/p/prod/*",
            "arn:aws:s3:::b/.pulumi/journal/p/prod/*",
            "arn:aws:s3:::b/.pulumi/locks/organization/p/prod/*",
          ],
        },
        {
          Sid: "DenyOtherStacksSecrets",
          Effect: "Deny",
          Action: "kms:*",
          Resource: ["arn:aws:kms:r:1:key/prod"],
        },
        {
          Sid: "DenyOtherStacksResources",
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { StringEquals: { "aws:ResourceTag/stack": ["prod"] } },
        },
        {
          Sid: "DenyTaggingAsOtherStacks",
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestTag/stack": ["prod"] } },
        },
        {
          Sid: "ProtectStateBucket",
          Effect: "Deny",
          Action: [
            "s3:DeleteBucket",
            "s3:DeleteBucketPolicy",
            "s3:PutBucketAcl",
            "s3:PutBucketOwnershipControls",
            "s3:PutBucketPolicy",
            "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketVersioning",
            "s3:PutEncryptionConfiguration",
            "s3:PutLifecycleConfiguration",
          ],
          Resource: "arn:aws:s3:::b",
        },
        {
          Sid: "ProtectBootstrapKeys",
          Effect: "Deny",
          Action: [
            "kms:DeleteAlias",
            "kms:DisableKey",
            "kms:DisableKeyRotation",
            "kms:PutKeyPolicy",
            "kms:ScheduleKeyDeletion",
            "kms:UpdateAlias",
          ],
          Resource: [
            "arn:aws:kms:r:1:key/state",
            "arn:aws:kms:r:1:key/stage",
            "arn:aws:kms:r:1:key/prod",
            "arn:aws:kms:r:1:alias/comments-platform-*",
          ],
        },
        {
          Sid: "ProtectBootstrapIdentity",
          Effect: "Deny",
          Action: "iam:*",
          Resource: [
            "arn:aws:iam::1:role/comments-platform-*",
            "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com",
          ],
        },
        {
          Sid: "NoLongLivedCredentials",
          Effect: "Deny",
          Action: [
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:CreateUser",
            "iam:UpdateLoginProfile",
          ],
          Resource: "*",
        },
      ],
    });
  });

  it("pins the OIDC trust to audience and subject", () => {
    expect(
      githubTrustPolicy("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", "acme/x", "prod"),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
              "token.actions.githubusercontent.com:sub": "repo:acme/x:environment:prod",
            },
          },
        },
      ],
    });
  });

  it("denies non-TLS access to the bucket", () => {
    expect(tlsOnlyBucketPolicy("arn:aws:s3:::b")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("lets consumers read one stack's outputs and contract parameter, and nothing else", () => {
    expect(
      consumerReadPolicy({
        bucketArn: "arn:aws:s3:::b",
        project: "comments-platform",
        stack: "prod",
        keyArn: "arn:aws:kms:r:1:key/k",
        stateKeyArn: "arn:aws:kms:r:1:key/state",
        parameterArn: "arn:aws:ssm:r:1:parameter/comments-platform/prod/contract/v1",
      }),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "FindStackState",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: "arn:aws:s3:::b",
          Condition: {
            StringLike: { "s3:prefix": [".pulumi/meta.yaml", ".pulumi/stacks/comments-platform/prod.json*"] },
          },
        },
        {
          Sid: "ReadStackOutputs",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [
            "arn:aws:s3:::b/.pulumi/meta.yaml",
            "arn:aws:s3:::b/.pulumi/stacks/comments-platform/prod.json*",
          ],
        },
        {
          Sid: "StateEncryption",
          Effect: "Allow",
          Action: ["kms:Decrypt"],
          Resource: "arn:aws:kms:r:1:key/state",
        },
        { Sid: "StackSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: "arn:aws:kms:r:1:key/k" },
        {
          Sid: "ContractParameter",
          Effect: "Allow",
          Action: ["ssm:GetParameter"],
          Resource: "arn:aws:ssm:r:1:parameter/comments-platform/prod/contract/v1",
        },
      ],
    });
  });

  it("gives previews read-only access to their own stack's state and key", () => {
    const policy = stateAccessPolicy({
      bucketArn: "arn:aws:s3:::b",
      project: "p",
      stack: "stage",
      keyArn: "arn:aws:kms:r:1:key/k",
      stateKeyArn: "arn:aws:kms:r:1:key/state",
      write: false,
    }) as {
      Statement: Array<{ Sid: string; Action: string[]; Resource: unknown }>;
    };
    expect(policy.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ["ListState", ["s3:ListBucket", "s3:GetBucketLocation"], "arn:aws:s3:::b"],
      ["BackendMetadata", ["s3:GetObject"], "arn:aws:s3:::b/.pulumi/meta.yaml"],
      [
        "ReadStackState",
        ["s3:GetObject"],
        [
          "arn:aws:s3:::b/.pulumi/stacks/p/stage.json*",
          "arn:aws:s3:::b/.pulumi/history/p/stage/*",
          "arn:aws:s3:::b/.pulumi/backups/p/stage/*",
          "arn:aws:s3:::b/.pulumi/journal/p/stage/*",
          "arn:aws:s3:::b/.pulumi/locks/organization/p/stage/*",
        ],
      ],
      ["StateEncryption", ["kms:Decrypt"], "arn:aws:kms:r:1:key/state"],
      ["StackSecrets", ["kms:Decrypt"], "arn:aws:kms:r:1:key/k"],
    ]);
  });
});

describe("the deploy role's least privilege", () => {
  it("holds the stack's deploy policy, never AdministratorAccess", () => {
    const attachments = ofType(
      result,
      "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    ).filter((r) => String(r.inputs.roleName).endsWith("-deploy"));
    // The mocks' ARN of the policy `deploy-<stack>` (its name is comments-platform-<stack>-deploy).
    expect(attachments.map((r) => [r.inputs.roleName, r.inputs.policyArns]).sort()).toEqual([
      ["comments-platform-prod-deploy", ["arn:aws:iam:sa-east-1:123456789012:deploy-prod"]],
      ["comments-platform-stage-deploy", ["arn:aws:iam:sa-east-1:123456789012:deploy-stage"]],
    ]);
    expect(JSON.stringify(result.resources)).not.toContain("AdministratorAccess");
  });
});
