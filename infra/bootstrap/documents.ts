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
  /**
   * `arn:aws:ssm:<region>:<account>:parameter/comments-platform/<stack>/contract/v1`, and `/v2`
   * (contractV2, published beside it; an `ecs` stack's only contract).
   */
  parameterArn: string | string[];
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

/**
 * The IAM service prefixes each Pulumi AWS module the program declares is managed through: the
 * deploy role's allowances, derived from what the program declares (a test fails when synth shows
 * a module missing here). RDS's managed master password lives in Secrets Manager under a KMS key.
 * IAM and IAM Identity Center (`sso`: the Grafana workspace's sign-in, the operator permission
 * set) are granted separately, narrowly (IDENTITY_CENTER_ACTIONS).
 */
export const DEPLOY_SERVICES: Record<string, string[]> = {
  amp: ["aps"],
  appautoscaling: ["application-autoscaling"],
  cloudwatch: ["cloudwatch", "logs"],
  codedeploy: ["codedeploy"],
  ec2: ["ec2"],
  ecr: ["ecr"],
  ecs: ["ecs"],
  grafana: ["grafana"],
  iam: [],
  lambda: ["lambda"],
  lb: ["elasticloadbalancing"],
  rds: ["rds", "secretsmanager", "kms"],
  route53: ["route53"],
  sns: ["sns"],
  ssm: ["ssm"],
  ssoadmin: [],
  vpc: ["ec2"],
  wafv2: ["wafv2"],
};

/**
 * The IAM Identity Center actions a deploy makes, instead of `sso:*` (which would let a stage deploy
 * edit every permission set of the organization's Identity Center, administrators' included). Each
 * is a row of the IAM simulation's call tables (test/iam/calls-identity-center.ts).
 */
export const IDENTITY_CENTER_ACTIONS = {
  /**
   * The Grafana workspace signs in through Identity Center: CreateWorkspace's dependent actions
   * (Service Authorization Reference, Amazon Managed Grafana:
   * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedgrafana.html),
   * its application's removal with the workspace, and what UpdatePermissions (the role
   * associations of grafanaAdminGroups...) needs, as AWSGrafanaWorkspacePermissionManagement v4
   * grants it (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGrafanaWorkspacePermissionManagement.html).
   * AWS authorizes every one on "*" only.
   */
  grafana: [
    "sso-directory:DescribeGroup",
    "sso:AssociateProfile",
    "sso:CreateManagedApplicationInstance",
    "sso:DeleteManagedApplicationInstance",
    "sso:DescribeRegisteredRegions",
    "sso:DisassociateProfile",
    "sso:GetManagedApplicationInstance",
    "sso:GetProfile",
    "sso:GetSharedSsoConfiguration",
    "sso:ListDirectoryAssociations",
    "sso:ListProfileAssociations",
    "sso:ListProfiles",
  ],
  /**
   * The operator permission set and its assignments (terraform-provider-aws
   * internal/service/ssoadmin/permission_set.go, permission_set_inline_policy.go,
   * account_assignment.go), on the instance...
   */
  instance: [
    "sso:CreateAccountAssignment",
    "sso:CreatePermissionSet",
    "sso:DeleteAccountAssignment",
    "sso:DeleteInlinePolicyFromPermissionSet",
    "sso:DeletePermissionSet",
    "sso:DescribeAccountAssignmentCreationStatus",
    "sso:DescribeAccountAssignmentDeletionStatus",
    "sso:DescribePermissionSet",
    "sso:DescribePermissionSetProvisioningStatus",
    "sso:GetInlinePolicyForPermissionSet",
    "sso:ListAccountAssignments",
    "sso:ListTagsForResource",
    "sso:ProvisionPermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "sso:TagResource",
    "sso:UntagResource",
    "sso:UpdatePermissionSet",
  ],
  /** ...on a permission set created with the stack's tag... */
  create: ["sso:CreatePermissionSet", "sso:TagResource"],
  /** ...on the stack's own permission sets only (tagged `stack=<stack>`)... */
  permissionSet: [
    "sso:CreateAccountAssignment",
    "sso:DeleteAccountAssignment",
    "sso:DeleteInlinePolicyFromPermissionSet",
    "sso:DeletePermissionSet",
    "sso:DescribePermissionSet",
    "sso:GetInlinePolicyForPermissionSet",
    "sso:ListAccountAssignments",
    "sso:ListTagsForResource",
    "sso:ProvisionPermissionSet",
    "sso:PutInlinePolicyToPermissionSet",
    "sso:TagResource",
    "sso:UntagResource",
    "sso:UpdatePermissionSet",
  ],
  /** ...and assigned in the stack's own account only. */
  account: [
    "sso:CreateAccountAssignment",
    "sso:DeleteAccountAssignment",
    "sso:ListAccountAssignments",
    "sso:ProvisionPermissionSet",
  ],
} as const;

/** The deploy policy's IAM Identity Center statements for `stack` in `accountId`. */
function identityCenterStatements(accountId: string, stack: string): Array<Record<string, unknown>> {
  // Resource types of `sso` (Service Authorization Reference, IAM Identity Center:
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamidentitycenter.html):
  // an action with several required types is allowed only when every resource it names is.
  return [
    {
      Sid: "GrafanaIdentityCenterApplication",
      Effect: "Allow",
      Action: [...IDENTITY_CENTER_ACTIONS.grafana],
      Resource: "*",
    },
    {
      Sid: "OperatorPermissionSetInstance",
      Effect: "Allow",
      Action: [...IDENTITY_CENTER_ACTIONS.instance],
      Resource: "arn:aws:sso:::instance/*",
    },
    {
      Sid: "CreateTheStacksPermissionSets",
      Effect: "Allow",
      Action: [...IDENTITY_CENTER_ACTIONS.create],
      Resource: "arn:aws:sso:::permissionSet/*",
      Condition: { StringEquals: { "aws:RequestTag/stack": stack } },
    },
    {
      Sid: "ManageTheStacksPermissionSets",
      Effect: "Allow",
      Action: [...IDENTITY_CENTER_ACTIONS.permissionSet],
      Resource: "arn:aws:sso:::permissionSet/*",
      Condition: { StringEquals: { "aws:ResourceTag/stack": stack } },
    },
    {
      Sid: "AssignInTheStacksAccount",
      Effect: "Allow",
      Action: [...IDENTITY_CENTER_ACTIONS.account],
      Resource: `arn:aws:sso:::account/${accountId}`,
    },
  ];
}

/**
 * The services the roles a deploy creates trust: the only ones it may pass them to. ECS takes the
 * two roles of an `ecs` stack's service (its infrastructure role for load balancers, its hook role)
 * from CreateService and UpdateService, which pass them
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html).
 */
export const PASSED_TO_SERVICES = [
  "codedeploy.amazonaws.com",
  "ecs.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "grafana.amazonaws.com",
  "lambda.amazonaws.com",
];

/**
 * A stack's deploy role, instead of AdministratorAccess: the services of DEPLOY_SERVICES; IAM only
 * for the stack's own roles (`comments-api-<stack>-*`), created only with the stack's permissions
 * boundary, passed only to the services they serve; never the boundary's removal. The isolation
 * policy's denies still apply on top.
 */
export function deployPolicy(input: {
  accountId: string;
  stack: string;
  boundaryArn: string;
}): Record<string, unknown> {
  const roles = `arn:aws:iam::${input.accountId}:role/comments-api-${input.stack}-*`;
  const services = [...new Set(Object.values(DEPLOY_SERVICES).flat())].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ManageTheStacksServices",
        Effect: "Allow",
        Action: services.map((s) => `${s}:*`),
        Resource: "*",
      },
      { Sid: "WhoAmI", Effect: "Allow", Action: ["sts:GetCallerIdentity"], Resource: "*" },
      ...identityCenterStatements(input.accountId, input.stack),
      // grafana:CreateWorkspace with IAM Identity Center has dependent actions, this one outside
      // the services above (Service Authorization Reference, Amazon Managed Grafana:
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonmanagedgrafana.html).
      // Read-only, and AWS authorizes it on "*" only.
      {
        Sid: "GrafanaIdentityCenter",
        Effect: "Allow",
        Action: ["organizations:DescribeOrganization"],
        Resource: "*",
      },
      {
        Sid: "CreateRolesOnlyWithTheBoundary",
        Effect: "Allow",
        Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
        Resource: roles,
        Condition: { StringEquals: { "iam:PermissionsBoundary": input.boundaryArn } },
      },
      {
        Sid: "ManageTheStacksRoles",
        Effect: "Allow",
        Action: [
          "iam:DeleteRole",
          "iam:DeleteRolePolicy",
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:ListRolePolicies",
          "iam:ListRoleTags",
          "iam:PutRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:UpdateAssumeRolePolicy",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
        ],
        Resource: roles,
      },
      {
        Sid: "PassOnlyTheStacksRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: roles,
        Condition: { StringEquals: { "iam:PassedToService": PASSED_TO_SERVICES } },
      },
      {
        Sid: "ServiceLinkedRoles",
        Effect: "Allow",
        Action: ["iam:CreateServiceLinkedRole"],
        Resource: "*",
        Condition: {
          StringEquals: {
            "iam:AWSServiceName": [
              "ecs.amazonaws.com",
              "ecs.application-autoscaling.amazonaws.com",
              "elasticloadbalancing.amazonaws.com",
              "grafana.amazonaws.com",
              "rds.amazonaws.com",
            ],
          },
        },
      },
      {
        Sid: "ReadPolicies",
        Effect: "Allow",
        Action: ["iam:GetPolicy", "iam:GetPolicyVersion"],
        Resource: "*",
      },
      {
        Sid: "KeepTheBoundary",
        Effect: "Deny",
        Action: ["iam:DeleteRolePermissionsBoundary"],
        Resource: "*",
      },
    ],
  };
}

/** What a role a stack's deploy creates may do at most, whatever its inline policy says. */
export const BOUNDARY_ACTIONS = [
  "aps:DescribeWorkspace",
  "aps:GetLabels",
  "aps:GetMetricMetadata",
  "aps:GetSeries",
  "aps:ListWorkspaces",
  "aps:QueryMetrics",
  "aps:RemoteWrite",
  "cloudwatch:DescribeAlarms",
  "codedeploy:PutLifecycleEventHookExecutionStatus",
  "ec2:AssignPrivateIpAddresses",
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  // Lambda's VPC access: the smoke hook's ENIs (smokeHookPolicy, as AWSLambdaVPCAccessExecutionRole v3).
  "ec2:DescribeSubnets",
  "ec2:UnassignPrivateIpAddresses",
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetAuthorizationToken",
  "ecr:GetDownloadUrlForLayer",
  "ecs:*",
  "elasticloadbalancing:*",
  "iam:PassRole",
  "kms:Decrypt",
  "lambda:InvokeFunction",
  "logs:CreateLogGroup",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "secretsmanager:GetSecretValue",
  "sns:Publish",
];

/**
 * The permissions boundary of the roles a stack's deploy creates
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html): their
 * effective permissions are what both it and their own policies allow, so a deploy cannot make a
 * role that administers the account. `iam:PassRole` only on the stack's roles (CodeDeploy passes
 * the task roles to ECS).
 */
export function boundaryPolicy(input: { accountId: string; stack: string }): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AtMost",
        Effect: "Allow",
        Action: BOUNDARY_ACTIONS.filter((a) => a !== "iam:PassRole"),
        Resource: "*",
      },
      {
        Sid: "PassOnlyTheStacksRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: `arn:aws:iam::${input.accountId}:role/comments-api-${input.stack}-*`,
      },
    ],
  };
}
