/**
 * The provider's calls for IAM, Lambda, RDS, SNS and SSM resources, the image push and the release
 * step (a `command:local:Command` that runs `pnpm release deploy` with the deploy role's
 * credentials: every `new …Command` under infra/src/release that it sends).
 */
import { ACCOUNT, REGION } from "./engine";
import {
  arn,
  arnOfType,
  awsName,
  passRole,
  roleInput,
  serviceLinkedRole,
  type TypeCalls,
} from "./provider-calls";
import { SECRETS_MANAGER_KEY } from "./resource-policies";

const RDS_SECRETS =
  "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-permissions";
const LAMBDA_VPC =
  "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions";
const ECR_PUSH = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html";
const RELEASE = "infra/src/release";

/** IAM, Lambda, data, messaging, the image and the release step: resource type → calls. */
export const PLATFORM_CALLS: Record<string, TypeCalls> = {
  "aws:iam/role:Role": {
    file: "internal/service/iam/role.go",
    fn: "Role",
    rows: (scope) => {
      const role = `arn:aws:iam::${ACCOUNT}:role/${awsName(scope.resource)}`;
      const boundary = { "iam:PermissionsBoundary": String(scope.resource.inputs.permissionsBoundary) };
      const managed = (scope.resource.inputs.managedPolicyArns as string[] | undefined) ?? [];
      const file = "terraform-provider-aws internal/service/iam/role.go";
      return [
        ["create", "iam:CreateRole", role, boundary],
        // addRoleManagedPolicies attaches managedPolicyArns after CreateRole.
        ...managed.map(
          (policy) =>
            [
              "create",
              "iam:AttachRolePolicy",
              role,
              { ...boundary, "iam:PolicyARN": policy },
              `${file} addRoleManagedPolicies`,
            ] as ["create", string, string, Record<string, string>, string],
        ),
        ["read", "iam:GetRole", role],
        ["read", "iam:ListRolePolicies", role],
        ["read", "iam:ListAttachedRolePolicies", role],
        ["update", "iam:UpdateRole", role],
        ["update", "iam:UpdateAssumeRolePolicy", role],
        ["update", "iam:PutRolePermissionsBoundary", role, boundary],
        ["update", "iam:TagRole", role],
        ["update", "iam:UntagRole", role],
        ["delete", "iam:ListInstanceProfilesForRole", role],
        // deleteRolePolicyAttachments detaches every attached policy before DeleteRole.
        ...managed.map(
          (policy) =>
            [
              "delete",
              "iam:DetachRolePolicy",
              role,
              { ...boundary, "iam:PolicyARN": policy },
              `${file} deleteRolePolicyAttachments`,
            ] as ["delete", string, string, Record<string, string>, string],
        ),
        ["delete", "iam:DeleteRolePolicy", role, {}, `${file} deleteRoleInlinePolicies`],
        ["delete", "iam:DeleteRole", role],
      ];
    },
  },
  "aws:iam/rolePolicy:RolePolicy": {
    file: "internal/service/iam/role_policy.go",
    fn: "RolePolicy",
    rows: (scope) => {
      const role = `arn:aws:iam::${ACCOUNT}:role/${scope.resource.inputs.role}`;
      return [
        ["create", "iam:PutRolePolicy", role],
        ["read", "iam:GetRolePolicy", role],
        ["delete", "iam:DeleteRolePolicy", role],
      ];
    },
  },
  "aws:lambda/function:Function": {
    file: "internal/service/lambda/function.go",
    fn: "Function",
    rows: (scope) => {
      const fn = arnOfType(scope, "aws:lambda/function:Function", scope.resource.name);
      const role = roleInput(scope, "role");
      return [
        ["create", "lambda:CreateFunction", fn],
        passRole(role, "lambda.amazonaws.com"),
        // A function in a VPC: the caller also describes the VPC, its subnets and groups.
        ["create", "ec2:DescribeSecurityGroups", "*", {}, LAMBDA_VPC],
        ["create", "ec2:DescribeSubnets", "*", {}, LAMBDA_VPC],
        ["create", "ec2:DescribeVpcs", "*", {}, LAMBDA_VPC],
        ["read", "lambda:GetFunction", fn],
        ["read", "lambda:GetFunctionCodeSigningConfig", fn],
        ["read", "lambda:ListVersionsByFunction", fn],
        ["update", "lambda:UpdateFunctionCode", fn],
        ["update", "lambda:UpdateFunctionConfiguration", fn],
        ["update", "iam:PassRole", role, { "iam:PassedToService": "lambda.amazonaws.com" }],
        ["update", "lambda:TagResource", fn],
        ["delete", "lambda:DeleteFunction", fn],
      ];
    },
  },
  "aws:rds/instance:Instance": {
    file: "internal/service/rds/instance.go",
    fn: "Instance",
    rows: ({ resource }) => {
      const db = arn("rds", `db:${resource.inputs.identifier ?? awsName(resource)}`);
      const secret = arn("secretsmanager", "secret:rds!db-0000-AbCdEf");
      return [
        ["create", "rds:CreateDBInstance", db],
        ["create", "rds:AddTagsToResource", db],
        serviceLinkedRole(
          "rds.amazonaws.com",
          "AWSServiceRoleForRDS",
          "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAM.ServiceLinkedRoles.html",
        ),
        // manageMasterUserPassword: RDS creates the secret as the caller.
        ["create", "secretsmanager:CreateSecret", secret, {}, RDS_SECRETS],
        ["create", "secretsmanager:TagResource", secret, {}, RDS_SECRETS],
        [
          "create",
          "kms:DescribeKey",
          SECRETS_MANAGER_KEY,
          { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com` },
          RDS_SECRETS,
        ],
        ["read", "rds:DescribeDBInstances", db],
        ["read", "rds:ListTagsForResource", db],
        ["update", "rds:ModifyDBInstance", db],
        ["delete", "rds:DeleteDBInstance", db],
      ];
    },
  },
  "aws:rds/parameterGroup:ParameterGroup": {
    file: "internal/service/rds/parameter_group.go",
    fn: "ParameterGroup",
    rows: ({ resource }) => {
      const group = arn("rds", `pg:${awsName(resource)}`);
      return [
        ["create", "rds:CreateDBParameterGroup", group],
        ["create", "rds:ModifyDBParameterGroup", group],
        ["read", "rds:DescribeDBParameterGroups", group],
        ["read", "rds:DescribeDBParameters", group],
        ["update", "rds:ResetDBParameterGroup", group],
        ["delete", "rds:DeleteDBParameterGroup", group],
      ];
    },
  },
  "aws:rds/subnetGroup:SubnetGroup": {
    file: "internal/service/rds/subnet_group.go",
    fn: "SubnetGroup",
    rows: ({ resource }) => {
      const group = arn("rds", `subgrp:${awsName(resource)}`);
      return [
        ["create", "rds:CreateDBSubnetGroup", group],
        ["read", "rds:DescribeDBSubnetGroups", group],
        ["update", "rds:ModifyDBSubnetGroup", group],
        ["delete", "rds:DeleteDBSubnetGroup", group],
      ];
    },
  },
  "aws:sns/topic:Topic": {
    file: "internal/service/sns/topic.go",
    fn: "Topic",
    rows: (scope) => {
      const topic = arnOfType(scope, "aws:sns/topic:Topic", scope.resource.name);
      return [
        ["create", "sns:CreateTopic", topic],
        ["read", "sns:GetTopicAttributes", topic],
        ["read", "sns:ListTagsForResource", topic],
        ["update", "sns:SetTopicAttributes", topic],
        ["update", "sns:TagResource", topic],
        ["delete", "sns:DeleteTopic", topic],
      ];
    },
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    file: "internal/service/sns/topic_policy.go",
    fn: "TopicPolicy",
    rows: ({ resource }) => {
      const topic = String(resource.inputs.arn);
      return [
        ["create", "sns:SetTopicAttributes", topic],
        ["read", "sns:GetTopicAttributes", topic],
        ["delete", "sns:SetTopicAttributes", topic],
      ];
    },
  },
  "aws:sns/topicSubscription:TopicSubscription": {
    file: "internal/service/sns/topic_subscription.go",
    fn: "TopicSubscription",
    rows: ({ resource }) => {
      const topic = String(resource.inputs.topic);
      return [
        ["create", "sns:Subscribe", topic],
        ["read", "sns:GetSubscriptionAttributes", topic],
        ["update", "sns:SetSubscriptionAttributes", topic],
        ["delete", "sns:Unsubscribe", topic],
      ];
    },
  },
  "aws:ssm/parameter:Parameter": {
    file: "internal/service/ssm/parameter.go",
    fn: "Parameter",
    rows: ({ resource }) => {
      const parameter = arn("ssm", `parameter${resource.inputs.name}`);
      return [
        ["create", "ssm:PutParameter", parameter],
        ["create", "ssm:AddTagsToResource", parameter],
        ["read", "ssm:GetParameter", parameter],
        ["read", "ssm:DescribeParameters", "*"],
        ["read", "ssm:ListTagsForResource", parameter],
        ["update", "ssm:PutParameter", parameter],
        ["delete", "ssm:DeleteParameter", parameter],
      ];
    },
  },
  "docker-build:index:Image": {
    file: "(pulumi/pulumi-docker-build: pushes to ECR)",
    fn: "Image",
    rows: (scope) => {
      const repo = arnOfType(scope, "aws:ecr/repository:Repository");
      const push = (action: string) =>
        ["create", action, repo, {}, ECR_PUSH] as ["create", string, string, Record<string, never>, string];
      return [
        [
          "create",
          "ecr:GetAuthorizationToken",
          "*",
          {},
          `${ECR_PUSH} (and aws.ecr.getAuthorizationToken in the program)`,
        ],
        push("ecr:BatchCheckLayerAvailability"),
        push("ecr:InitiateLayerUpload"),
        push("ecr:UploadLayerPart"),
        push("ecr:CompleteLayerUpload"),
        push("ecr:PutImage"),
        push("ecr:BatchGetImage"),
      ];
    },
  },
  "command:local:Command": {
    file: RELEASE,
    fn: "Release",
    rows: (scope) => {
      const stack = scope.stack;
      const group = arn("codedeploy", `deploymentgroup:comments-api-${stack}/comments-api-${stack}`);
      const service = arn("ecs", `service/comments-api-${stack}/comments-api-${stack}`);
      const workspace = arnOfType(scope, "aws:amp/workspace:Workspace");
      const ecsRelease = String(scope.resource.inputs.create).includes(" --strategy ecs");
      const cd = (action: string, where: string) =>
        ["create", `codedeploy:${action}`, group, {}, `${RELEASE}/${where} ${action}Command`] as [
          "create",
          string,
          string,
          Record<string, never>,
          string,
        ];
      // The ECS adapter's calls: the service, its deployments and revisions
      // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServiceDeployments.html and beside it).
      const deployment = arn(
        "ecs",
        `service-deployment/comments-api-${stack}/comments-api-${stack}/AbCdEf0123456789`,
      );
      const revision = arn(
        "ecs",
        `service-revision/comments-api-${stack}/comments-api-${stack}/1234567890123456789`,
      );
      const ecs = (action: string, resource: string) =>
        ["create", `ecs:${action}`, resource, {}, `${RELEASE} ECS adapter ${action}Command`] as [
          "create",
          string,
          string,
          Record<string, never>,
          string,
        ];
      const releaseCalls: Array<["create", string, string, Record<string, string>, string]> = ecsRelease
        ? [
            ecs("UpdateService", service),
            ecs("ListServiceDeployments", service),
            ecs("DescribeServiceDeployments", deployment),
            ecs("StopServiceDeployment", deployment),
            ecs("DescribeServiceRevisions", revision),
            // UpdateService's loadBalancers name ECS's infrastructure role (a migrated service's first release).
            ...scope.all
              .filter(
                (r) =>
                  r.type === "aws:iam/role:Role" && r.name === `comments-api-${stack}-ecs-load-balancers`,
              )
              .map(
                (r) =>
                  [
                    "create",
                    "iam:PassRole",
                    `arn:aws:iam::${ACCOUNT}:role/${awsName(r)}`,
                    { "iam:PassedToService": "ecs.amazonaws.com" },
                    `${RELEASE} ECS adapter UpdateServiceCommand loadBalancers[].advancedConfiguration.roleArn`,
                  ] as ["create", string, string, Record<string, string>, string],
              ),
          ]
        : [
            cd("GetDeploymentGroup", "release.ts"),
            cd("ListDeployments", "release.ts, cli.ts"),
            cd("CreateDeployment", "release.ts"),
            cd("GetDeployment", "release.ts, cli.ts"),
            cd("GetDeploymentTarget", "release.ts"),
            cd("StopDeployment", "release.ts, cli.ts"),
            cd("BatchGetDeployments", "cli.ts"),
            [
              "create",
              "codedeploy:GetDeploymentConfig",
              arn("codedeploy", "deploymentconfig:CodeDeployDefault.ECSAllAtOnce"),
              {},
              "https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html (CreateDeployment)",
            ],
          ];
      return [
        ...releaseCalls,
        [
          "create",
          "ecs:DescribeServices",
          service,
          {},
          `${RELEASE}/release.ts, cli.ts DescribeServicesCommand`,
        ],
        [
          "create",
          "aps:QueryMetrics",
          workspace,
          {},
          `${RELEASE}/prometheus.ts (POST api/v1/query, SigV4 aps)`,
        ],
      ];
    },
  },
};
