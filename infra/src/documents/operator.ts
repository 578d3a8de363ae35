/**
 * The operator of one stack, as an IAM Identity Center permission set: what `pnpm release
 * status|deploy|rollback|analyze` and stopping a deployment need, and reading the stack's logs and
 * alarms; no infrastructure change (that is `pulumi up`, the deploy role's) and no Pulumi state.
 * A permission set, not an IAM group: a group cannot be the principal of a role's trust policy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html: "a group is not truly an
 * identity ... cannot be identified as a Principal in a policy").
 */
import type { PolicyDocument } from "./iam";

/** The permission set's name: at most 32 characters of `[\w+=,.@-]` (terraform-provider-aws
 * internal/service/ssoadmin/permission_set.go, the `name` schema). */
export function operatorPermissionSetName(baseName: string): string {
  return `${baseName}-operator`;
}

/** The most a permission set's name may hold (API_CreatePermissionSet: Name, 1 to 32). */
export const PERMISSION_SET_NAME_MAX = 32;

/**
 * How long an operator's session lasts. A prod release or rollback waits through the canary and the
 * termination wait (about 30 minutes, docs/operations.md) and the release's deadline; one session
 * outlasts it (ISO 8601, 1 to 12 hours:
 * https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html).
 */
export const OPERATOR_SESSION = "PT4H";

/** An IAM Identity Center instance ARN (API_CreatePermissionSet: InstanceArn's pattern). */
export const INSTANCE_ARN = /^arn:aws:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;

/** What the operator's policy names: the stack's own resources, by ARN. */
export interface OperatorPolicyInput {
  stack: string;
  region: string;
  accountId: string;
  /** `comments-api-<stack>`: the CodeDeploy application and group, the ECS cluster and service. */
  baseName: string;
  /** The stack's Amazon Managed Prometheus workspace. */
  workspaceArn: string;
  /** The service's and the smoke hook's log groups, by name. */
  logGroups: string[];
  /** The contract parameter (contractV2): the Prometheus URL and the log group for the commands. */
  contractParameterArn: string;
  /**
   * `releaseStrategy: ecs`: the role ECS invokes the deployment lifecycle hooks with (the service's
   * deploymentConfiguration.lifecycleHooks[].roleArn); the release is then ECS's deployment APIs,
   * not CodeDeploy's. @default a CodeDeploy release
   */
  ecsHookRoleArn?: string;
}

/**
 * The release of an `ecs` stack: exactly the calls of release/ecs-api.ts (the ECS adapter,
 * ecs-deployer.ts, makes no other), with the resource types of the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html):
 * UpdateService, DescribeServices and ListServiceDeployments on `service/<cluster>/<service>`,
 * DescribeServiceDeployments and StopServiceDeployment on
 * `service-deployment/<cluster>/<service>/<id>`, DescribeServiceRevisions on
 * `service-revision/<cluster>/<service>/<id>`.
 */
function ecsRelease(at: string, baseName: string, hookRoleArn: string): PolicyDocument["Statement"] {
  const service = `${baseName}/${baseName}`;
  return [
    {
      // ecs-api.ts describeService, startDeployment (UpdateService with the task definition) and
      // listDeployments.
      Sid: "ReleaseTheStacksService",
      Effect: "Allow",
      Action: ["ecs:DescribeServices", "ecs:ListServiceDeployments", "ecs:UpdateService"],
      Resource: `arn:aws:ecs:${at}:service/${service}`,
    },
    {
      // ecs-api.ts describeDeployment(s) and stopWithRollback (release rollback, a conflict).
      Sid: "FollowAndStopTheStacksDeployments",
      Effect: "Allow",
      Action: ["ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"],
      Resource: `arn:aws:ecs:${at}:service-deployment/${service}/*`,
    },
    {
      // ecs-api.ts taskDefinitionsOf: which task definition a revision ships.
      Sid: "ReadTheStacksRevisions",
      Effect: "Allow",
      Action: ["ecs:DescribeServiceRevisions"],
      Resource: `arn:aws:ecs:${at}:service-revision/${service}/*`,
    },
    {
      // startDeployment sends the service's deploymentConfiguration whole (releaseConfiguration),
      // lifecycleHooks[].roleArn included: passing a role to a service takes iam:PassRole
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html), and ECS
      // names these roles of CreateService and UpdateService
      // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html).
      // Only this role, only to ECS
      // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService).
      Sid: "PassTheHookRoleToEcs",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: hookRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "ecs.amazonaws.com" } },
    },
  ];
}

/** The release of a `codedeploy` stack: release/codedeploy-deployer.ts's calls. */
function codeDeployRelease(at: string, baseName: string): PolicyDocument["Statement"] {
  const group = `arn:aws:codedeploy:${at}:deploymentgroup:${baseName}/${baseName}`;
  return [
    {
      // release/codedeploy-deployer.ts (every command of the CLI goes through it): the
      // deployment group's deployments, a new one (CreateDeployment) and its history.
      Sid: "ReleaseTheStacksService",
      Effect: "Allow",
      Action: [
        "codedeploy:BatchGetDeployments",
        "codedeploy:CreateDeployment",
        "codedeploy:GetDeployment",
        "codedeploy:GetDeploymentGroup",
        "codedeploy:ListDeployments",
      ],
      Resource: group,
    },
    {
      // CreateDeployment reads its configuration: the group's (the stack's own custom one, or a
      // predefined one), or --all-at-once's
      // (https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html).
      Sid: "ReadDeploymentConfigs",
      Effect: "Allow",
      Action: ["codedeploy:GetDeploymentConfig"],
      Resource: [
        `arn:aws:codedeploy:${at}:deploymentconfig:CodeDeployDefault.*`,
        `arn:aws:codedeploy:${at}:deploymentconfig:${baseName}-*`,
      ],
    },
    {
      // AWS authorizes these on "*" only (Service Authorization Reference, CodeDeploy).
      Sid: "StopAndFollowDeployments",
      Effect: "Allow",
      Action: ["codedeploy:GetDeploymentTarget", "codedeploy:StopDeployment"],
      Resource: "*",
    },
    {
      Sid: "ReadTheService",
      Effect: "Allow",
      Action: ["ecs:DescribeServices"],
      Resource: `arn:aws:ecs:${at}:service/${baseName}/${baseName}`,
    },
  ];
}

/**
 * The permission set's inline policy. Every row is a call of infra/src/release (the IAM simulation
 * checks each against this document) or a read the docs' commands make; the release's calls are the
 * stack's strategy's (CodeDeploy's, or ECS's for `releaseStrategy: ecs`). Actions AWS authorizes
 * on "*" only (Service Authorization Reference: codedeploy:StopDeployment and
 * codedeploy:GetDeploymentTarget, ecs:ListTaskDefinitions, logs:DescribeLogGroups): they cannot be
 * narrowed to the stack; StopDeployment is the one that acts (docs/operations.md says so). An ecs
 * stack's StopServiceDeployment is narrowed to its own service's deployments.
 */
export function operatorPolicy(input: OperatorPolicyInput): PolicyDocument {
  const at = `${input.region}:${input.accountId}`;
  const logGroups = input.logGroups.map((name) => `arn:aws:logs:${at}:log-group:${name}`);
  return {
    Version: "2012-10-17",
    Statement: [
      ...(input.ecsHookRoleArn === undefined
        ? codeDeployRelease(at, input.baseName)
        : ecsRelease(at, input.baseName, input.ecsHookRoleArn)),
      {
        // `aws ecs list-task-definitions --family-prefix` finds a revision for `release deploy`.
        Sid: "FindRevisions",
        Effect: "Allow",
        Action: ["ecs:ListTaskDefinitions"],
        Resource: "*",
      },
      {
        // analyze, the budget gate and the canary (prometheus.ts: POST api/v1/query, SigV4 `aps`).
        Sid: "QueryTheStacksPrometheus",
        Effect: "Allow",
        Action: ["aps:QueryMetrics"],
        Resource: input.workspaceArn,
      },
      {
        Sid: "ReadTheStacksLogs",
        Effect: "Allow",
        Action: [
          "logs:DescribeLogStreams",
          "logs:FilterLogEvents",
          "logs:GetLogEvents",
          "logs:GetQueryResults",
          "logs:StartQuery",
        ],
        Resource: logGroups.flatMap((arn) => [arn, `${arn}:log-stream:*`]),
      },
      {
        Sid: "ListLogGroups",
        Effect: "Allow",
        Action: ["logs:DescribeLogGroups", "logs:StopQuery"],
        Resource: "*",
      },
      {
        // The runbooks' first look: which rollback alarm is in ALARM.
        Sid: "ReadTheStacksAlarms",
        Effect: "Allow",
        Action: ["cloudwatch:DescribeAlarms"],
        Resource: `arn:aws:cloudwatch:${at}:alarm:${input.baseName}-*`,
      },
      {
        Sid: "ReadTheContract",
        Effect: "Allow",
        Action: ["ssm:GetParameter"],
        Resource: input.contractParameterArn,
      },
    ],
  };
}
