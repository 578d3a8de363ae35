/**
 * The bootstrap's policy documents as pure values: who may assume the CI roles (GitHub's OIDC
 * tokens for one repository and one environment, nothing else), what they may do, and the state
 * bucket's TLS-only policy.
 */

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/**
 * The deploy roles' session length (a deploy can outlast an hour: database, then a canary release);
 * the Deploy workflow's `role-duration-seconds` must match (a test checks).
 */
export const DEPLOY_SESSION_SECONDS = 7200;

/**
 * The GitHub environment whose jobs may assume a stack's role: `<stack>-preview` for the read-only
 * preview role (Preview, Drift), `<stack>` for the deploy role (Deploy; prod's requires approval).
 */
export function githubEnvironment(stack: string, kind: "preview" | "deploy"): string {
  return kind === "preview" ? `${stack}-preview` : stack;
}

/** Trust: GitHub Actions of `repository` running in GitHub environment `environment`, via OIDC only. */
export function githubTrustPolicy(
  providerArn: string,
  repository: string,
  environment: string,
): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
            // `sub` pinned: a branch, a fork or another environment gets no credentials.
            [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:environment:${environment}`,
          },
        },
      },
    ],
  };
}

/** The state bucket refuses every request not made over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/**
 * One stack's files in the S3 backend's project-scoped layout under `.pulumi/`, as the CLI writes
 * them (pulumi/pulumi `pkg/backend/diy`, store.go and lock.go): the stack file
 * `stacks/<project>/<stack>.json` (`.json.gz`/`.json.zst` when compressed, `.json.bak` beside it),
 * `history/` and `backups/` per project and stack, `journal/` in newer CLIs, and the lock under the
 * stack's fully qualified name, `locks/organization/<project>/<stack>/<id>.json`. A lock the role
 * may not write fails every `pulumi up` with AccessDenied.
 */
export function stackStateFiles(bucketArn: string, project: string, stack: string): string[] {
  const under = (dir: string) => `${bucketArn}/.pulumi/${dir}/${project}/${stack}`;
  return [
    `${under("stacks")}.json*`,
    `${under("history")}/*`,
    `${under("backups")}/*`,
    `${under("journal")}/*`,
    `${bucketArn}/.pulumi/locks/organization/${project}/${stack}/*`,
  ];
}

/**
 * What another team's role needs to read one stack's outputs, and nothing more: through
 * `StackReference` on the S3 backend the stack file (and the backend's meta.yaml), decrypted with
 * the bucket's key, and the stack's secrets key for its secret outputs; or, the cross-account-friendly
 * route, the contract's SSM parameter alone (a plain String). Attach it to the consumer's role.
 */
export function consumerReadPolicy(input: {
  bucketArn: string;
  project: string;
  stack: string;
  keyArn: string;
  stateKeyArn: string;
  /** `arn:aws:ssm:<region>:<account>:parameter/comments-platform/<stack>/contract/v1` */
  parameterArn: string;
}): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "FindStackState",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: input.bucketArn,
        Condition: {
          StringLike: {
            "s3:prefix": [".pulumi/meta.yaml", `.pulumi/stacks/${input.project}/${input.stack}.json*`],
          },
        },
      },
      {
        Sid: "ReadStackOutputs",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [
          `${input.bucketArn}/.pulumi/meta.yaml`,
          `${input.bucketArn}/.pulumi/stacks/${input.project}/${input.stack}.json*`,
        ],
      },
      { Sid: "StateEncryption", Effect: "Allow", Action: ["kms:Decrypt"], Resource: input.stateKeyArn },
      { Sid: "StackSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: input.keyArn },
      {
        Sid: "ContractParameter",
        Effect: "Allow",
        Action: ["ssm:GetParameter"],
        Resource: input.parameterArn,
      },
    ],
  };
}

/**
 * What a stack's roles must never do, whatever their managed policy allows (explicit denies win):
 * read or write another stack's state or use its key; and for deploy roles, touch a resource tagged
 * as another stack's or tag one so, change what the bootstrap owns (the state bucket's settings, the
 * keys, its roles, the OIDC provider), or mint long-lived credentials. Without this a stage deploy,
 * which needs no approval, could change prod with AdministratorAccess. Tag conditions do not cover
 * every AWS action: separate accounts per stack are the stronger boundary.
 */
export function stackIsolationPolicy(input: {
  stack: string;
  otherStacks: readonly string[];
  project: string;
  bucketArn: string;
  otherStackKeyArns: readonly string[];
  write: boolean;
  bootstrap: {
    stateKeyArn: string;
    stackKeyArns: readonly string[];
    /** `arn:aws:kms:<region>:<account>:alias/comments-platform-*` */
    aliasArnPattern: string;
    /** `arn:aws:iam::<account>:role/comments-platform-*` (the program's roles are `comments-api-*`) */
    roleArnPattern: string;
    oidcProviderArn: string;
  };
}): Record<string, unknown> {
  const deny = (
    Sid: string,
    Action: string | string[],
    Resource: string | string[],
    Condition?: unknown,
  ) => ({
    Sid,
    Effect: "Deny",
    Action,
    Resource,
    ...(Condition === undefined ? {} : { Condition }),
  });
  const statements = [
    deny(
      "DenyOtherStacksState",
      "s3:*",
      input.otherStacks.flatMap((other) => stackStateFiles(input.bucketArn, input.project, other)),
    ),
    deny("DenyOtherStacksSecrets", "kms:*", [...input.otherStackKeyArns]),
  ];
  if (input.write) {
    const others = [...input.otherStacks];
    statements.push(
      deny("DenyOtherStacksResources", "*", "*", { StringEquals: { "aws:ResourceTag/stack": others } }),
      deny("DenyTaggingAsOtherStacks", "*", "*", { StringEquals: { "aws:RequestTag/stack": others } }),
      deny(
        "ProtectStateBucket",
        [
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
        input.bucketArn,
      ),
      deny(
        "ProtectBootstrapKeys",
        [
          "kms:DeleteAlias",
          "kms:DisableKey",
          "kms:DisableKeyRotation",
          "kms:PutKeyPolicy",
          "kms:ScheduleKeyDeletion",
          "kms:UpdateAlias",
        ],
        [input.bootstrap.stateKeyArn, ...input.bootstrap.stackKeyArns, input.bootstrap.aliasArnPattern],
      ),
      deny("ProtectBootstrapIdentity", "iam:*", [
        input.bootstrap.roleArnPattern,
        input.bootstrap.oidcProviderArn,
      ]),
      deny(
        "NoLongLivedCredentials",
        ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreateUser", "iam:UpdateLoginProfile"],
        "*",
      ),
    );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * What a stack's roles may do with the state: previews read it, deploys write it; each only its own
 * stack's files (the S3 backend's project-scoped layout under `.pulumi/`), and its own stack's key.
 */
export function stateAccessPolicy(input: {
  bucketArn: string;
  project: string;
  stack: string;
  keyArn: string;
  /** The bucket's SSE-KMS key: S3 decrypts (and for writes, encrypts) state with it as the caller. */
  stateKeyArn: string;
  write: boolean;
}): Record<string, unknown> {
  const stackFiles = stackStateFiles(input.bucketArn, input.project, input.stack);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ListState",
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: input.bucketArn,
      },
      {
        Sid: "BackendMetadata",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: `${input.bucketArn}/.pulumi/meta.yaml`,
      },
      {
        Sid: input.write ? "ReadWriteStackState" : "ReadStackState",
        Effect: "Allow",
        Action: input.write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"],
        Resource: stackFiles,
      },
      {
        Sid: "StateEncryption",
        Effect: "Allow",
        Action: input.write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
        Resource: input.stateKeyArn,
      },
      {
        Sid: "StackSecrets",
        Effect: "Allow",
        Action: input.write ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
        Resource: input.keyArn,
      },
    ],
  };
}
