/**
 * The bootstrap project an administrator runs once per AWS account (`infra/bootstrap`, its own
 * Pulumi.yaml, local state): the S3 state bucket, a KMS key per stack for `awskms://` secrets, the
 * GitHub OIDC provider, and per stack a read-only preview role and a deploy role. Its outputs are
 * what the workflows and `pulumi login` need.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { contractParameterName } from "../contract/src/contract";
import { permissionsBoundaryArn, permissionsBoundaryName } from "../src/documents/iam";
import { parseConsumerTeams } from "./consumer-documents";
import { consumerRoles } from "./consumers";
import {
  boundaryPolicy,
  consumerReadPolicy,
  DEPLOY_SESSION_SECONDS,
  deployPolicy,
  GITHUB_OIDC_HOST,
  githubEnvironment,
  githubTrustPolicy,
  stackIsolationPolicy,
  stateAccessPolicy,
  tlsOnlyBucketPolicy,
} from "./documents";
import { GITHUB_OIDC_PROVIDER_KEY, githubOidcProvider } from "./github-oidc";
import { previewPolicy } from "./preview-policy";

// Named explicitly, so the namespace stays this project's when another runner loads it (the tests).
const config = new pulumi.Config("comments-platform-bootstrap");
/** `owner/name` of this repository on GitHub. */
const repository = config.require("githubRepository");
const stacks = ["stage", "prod"] as const;
const tags = {
  project: "comments-platform",
  stack: "bootstrap",
  owner: config.require("owner"),
  "cost-centre": config.require("costCentre"),
};

// The current S3 resources: @pulumi/aws 7 deprecates BucketV2 and its *V2 companions in favour of
// these (its type declarations: "s3.BucketV2 has been deprecated in favor of s3.Bucket"), and warned
// on every run. The aliases let a state written with the *V2 types move over without replacing the
// bucket (https://www.pulumi.com/docs/iac/concepts/options/aliases/).
const bucket = new aws.s3.Bucket(
  "state",
  { bucketPrefix: "comments-platform-state-", tags },
  { aliases: [{ type: "aws:s3/bucketV2:BucketV2" }] },
);
new aws.s3.BucketVersioning(
  "state",
  { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
  { aliases: [{ type: "aws:s3/bucketVersioningV2:BucketVersioningV2" }] },
);
const stateKey = new aws.kms.Key("state", {
  description: "comments-platform Pulumi state bucket",
  enableKeyRotation: true,
  tags,
});
new aws.s3.BucketServerSideEncryptionConfiguration(
  "state",
  {
    bucket: bucket.id,
    rules: [
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateKey.arn },
        bucketKeyEnabled: true,
      },
    ],
  },
  {
    aliases: [
      { type: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2" },
    ],
  },
);
new aws.s3.BucketPublicAccessBlock("state", {
  bucket: bucket.id,
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
});
new aws.s3.BucketPolicy("state", {
  bucket: bucket.id,
  policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))),
});

const region = aws.getRegionOutput().region;

// One provider per URL and account: reuse the account's when config names it (github-oidc.ts).
const oidc = githubOidcProvider(config.get(GITHUB_OIDC_PROVIDER_KEY));
const github = {
  arn: oidc.create
    ? new aws.iam.OpenIdConnectProvider("github", {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIdLists: ["sts.amazonaws.com"],
        tags,
      }).arn
    : pulumi.output(oidc.arn),
};

const account = aws.getCallerIdentityOutput().accountId;
const keys = Object.fromEntries(
  stacks.map((stack) => [
    stack,
    new aws.kms.Key(`secrets-${stack}`, {
      description: `comments-platform ${stack} stack secrets`,
      enableKeyRotation: true,
      tags,
    }),
  ]),
) as Record<(typeof stacks)[number], aws.kms.Key>;

const perStack = stacks.map((stack) => {
  const key = keys[stack];
  const alias = new aws.kms.Alias(`secrets-${stack}`, {
    name: `alias/comments-platform-${stack}`,
    targetKeyId: key.keyId,
  });
  // What the roles the deploy creates may do at most, and the deploy role itself (not AdministratorAccess).
  const boundary = new aws.iam.Policy(`boundary-${stack}`, {
    name: permissionsBoundaryName(stack),
    description: `Permissions boundary of every role the comments-platform ${stack} deploy creates`,
    policy: account.apply((accountId) => JSON.stringify(boundaryPolicy({ accountId, stack }))),
    tags,
  });
  const deploy = new aws.iam.Policy(`deploy-${stack}`, {
    name: `comments-platform-${stack}-deploy`,
    description: `What the comments-platform ${stack} deploy may do: the services its resources use, IAM only for its own roles within the boundary`,
    policy: pulumi
      .all([account, boundary.arn])
      .apply(([accountId, boundaryArn]) => JSON.stringify(deployPolicy({ accountId, stack, boundaryArn }))),
    tags,
  });
  // Previews and drift checks read every resource of the stacks and change nothing (preview-policy.ts).
  const preview = new aws.iam.Policy(`preview-${stack}`, {
    name: `comments-platform-${stack}-preview`,
    description: `What the comments-platform ${stack} preview and drift check may do: read the stacks' services`,
    policy: JSON.stringify(previewPolicy()),
    tags,
  });
  const role = (kind: "preview" | "deploy", environment: string, write: boolean) => {
    const created = new aws.iam.Role(`${kind}-${stack}`, {
      name: `comments-platform-${stack}-${kind}`,
      assumeRolePolicy: github.arn.apply((arn) =>
        JSON.stringify(githubTrustPolicy(arn, repository, environment)),
      ),
      // A deploy can outlast an hour (database, then a canary release); credentials must not expire
      // mid-up. The Deploy workflow asks for the same 2 hours.
      maxSessionDuration: write ? DEPLOY_SESSION_SECONDS : 3600,
      tags,
    });
    // The role's only managed policy: deploys manage the stack's resources and no more (deployPolicy,
    // no AdministratorAccess), previews read. Exclusive, so an attachment made by hand (or the
    // ReadOnlyAccess an earlier bootstrap attached) is detached; `managedPolicyArns` is deprecated
    // in @pulumi/aws 7 in favour of these resources (its iam.Role documentation).
    new aws.iam.RolePolicyAttachmentsExclusive(`${kind}-${stack}`, {
      roleName: created.name,
      policyArns: [write ? deploy.arn : preview.arn],
    });
    new aws.iam.RolePolicy(`${kind}-${stack}-state`, {
      role: created.id,
      policy: pulumi
        .all([bucket.arn, key.arn, stateKey.arn])
        .apply(([bucketArn, keyArn, stateKeyArn]) =>
          JSON.stringify(
            stateAccessPolicy({ bucketArn, project: "comments-platform", stack, keyArn, stateKeyArn, write }),
          ),
        ),
    });
    const others = stacks.filter((other) => other !== stack);
    new aws.iam.RolePolicy(`${kind}-${stack}-isolation`, {
      role: created.id,
      policy: pulumi
        .all([
          bucket.arn,
          stateKey.arn,
          pulumi.all(stacks.map((s) => keys[s].arn)),
          pulumi.all(others.map((s) => keys[s].arn)),
          github.arn,
          account,
          region,
        ])
        .apply(
          ([bucketArn, stateKeyArn, stackKeyArns, otherStackKeyArns, oidcProviderArn, accountId, name]) =>
            JSON.stringify(
              stackIsolationPolicy({
                stack,
                otherStacks: others,
                project: "comments-platform",
                bucketArn,
                otherStackKeyArns,
                write,
                bootstrap: {
                  stateKeyArn,
                  stackKeyArns,
                  aliasArnPattern: `arn:aws:kms:${name}:${accountId}:alias/comments-platform-*`,
                  roleArnPattern: `arn:aws:iam::${accountId}:role/comments-platform-*`,
                  oidcProviderArn,
                },
              }),
            ),
        ),
    });
    return created;
  };
  // Read-only access for other teams' roles (attach this managed policy): the stack's outputs
  // through StackReference, or its contract's SSM parameter.
  const consumer = new aws.iam.Policy(`consumer-${stack}`, {
    name: `comments-platform-${stack}-consumer`,
    description: `Read the comments-platform ${stack} stack's outputs (StackReference organization/comments-platform/${stack}) or its contract in SSM`,
    policy: pulumi
      .all([bucket.arn, key.arn, stateKey.arn, account, region])
      .apply(([bucketArn, keyArn, stateKeyArn, accountId, name]) =>
        JSON.stringify(
          consumerReadPolicy({
            bucketArn,
            project: "comments-platform",
            stack,
            keyArn,
            stateKeyArn,
            parameterArn: [1, 2].map(
              (version) =>
                `arn:aws:ssm:${name}:${accountId}:parameter${contractParameterName(stack, version)}`,
            ),
          }),
        ),
      ),
    tags,
  });
  return {
    stack,
    consumerPolicyArn: consumer.arn,
    permissionsBoundaryArn: account.apply((accountId) => permissionsBoundaryArn(accountId, stack)),
    secretsProvider: pulumi.interpolate`awskms://${alias.name}?region=${region}`,
    previewRoleArn: role("preview", githubEnvironment(stack, "preview"), false).arn,
    deployRoleArn: role("deploy", githubEnvironment(stack, "deploy"), true).arn,
  };
});

// Other teams' roles: the contract from SSM, from any account; and for a team whose stacks share
// this bucket, its own project's state (docs/consuming-outputs.md).
const consumerTeams = consumerRoles({
  teams: parseConsumerTeams(config.getObject("consumerTeams")),
  stacks,
  bucketArn: bucket.arn,
  stateKeyArn: stateKey.arn,
  stackKeyArns: stacks.map((stack) => keys[stack].arn),
  accountId: account,
  region,
  tags,
});

/** The state backend URL for `pulumi login`. */
export const stateBackend = pulumi.interpolate`s3://${bucket.bucket}?region=${region}`;
/** Per stack: its roles, its secrets provider and the state it may touch. */
export const stackAccess = perStack;
/** Per consumer team (config `consumerTeams`): the role it assumes to read the contract. */
export const consumerRoleArns = consumerTeams;
/**
 * The GitHub Actions variables the workflows read, ready for `gh variable set`: the repository's,
 * then each environment's (the role its jobs assume).
 */
export const githubVariables = {
  repository: { PULUMI_BACKEND_URL: stateBackend, AWS_REGION: region },
  environments: Object.fromEntries(
    perStack.flatMap((access) => [
      [githubEnvironment(access.stack, "preview"), { AWS_ROLE_ARN: access.previewRoleArn }],
      [githubEnvironment(access.stack, "deploy"), { AWS_ROLE_ARN: access.deployRoleArn }],
    ]),
  ),
};
