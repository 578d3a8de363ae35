/** IAM policy documents as pure values: named resources wherever AWS allows one. */

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
/** An IAM policy document. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Who may assume a role: one AWS service principal. */
export function assumeRolePolicy(service: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  };
}

/**
 * What ECS needs to start the task: pull the image, write its logs. The database secret is not
 * here: ECS would inject it once, at start (a rotated secret "will not receive the updated value
 * automatically": https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html),
 * so the app reads it itself with the task role (`appTaskRolePolicy`).
 */
export function executionRolePolicy(arns: { repository: string; logGroup: string }): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      // GetAuthorizationToken has no resource-level permissions: "*" is the only value AWS accepts.
      { Sid: "EcrAuth", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: arns.repository,
      },
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${arns.logGroup}:*`,
      },
    ],
  };
}

/**
 * What the app itself calls, with the task role: GetSecretValue on its database secret, at start-up
 * and after a refused login (rotation). Only that secret; the RDS-managed secret is encrypted with
 * the AWS managed key aws/secretsmanager, which needs no kms:Decrypt grant of ours
 * (its key policy: https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-policies).
 */
export function appTaskRolePolicy(arns: { databaseSecret: string }): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DatabaseSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: arns.databaseSecret,
      },
    ],
  };
}

/**
 * What the smoke hook Lambda needs, inline instead of the AWS managed
 * AWSLambdaVPCAccessExecutionRole: its network interfaces in the VPC (the actions of that policy's
 * v3, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html;
 * Lambda checks them on the execution role when the function is created:
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions),
 * its own log group only (the program creates it, so no logs:CreateLogGroup), and the hook status.
 * Inline, because a managed attachment makes the deploy call
 * iam:AttachRolePolicy/DetachRolePolicy (terraform-provider-aws internal/service/iam/role.go) and
 * `managedPolicyArns` is deprecated in @pulumi/aws 7.
 */
export function smokeHookPolicy(
  arns: { logGroup: string },
  /**
   * How the hook reports: to CodeDeploy (PutLifecycleEventHookExecutionStatus), or to ECS by its
   * return value alone (`hookStatus`: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html),
   * which needs no permission. @default codedeploy
   */
  reportsTo: "codedeploy" | "ecs" = "codedeploy",
): PolicyDocument {
  const statements = smokeHookStatements(arns);
  return {
    Version: "2012-10-17",
    Statement: reportsTo === "ecs" ? statements.filter((s) => s.Sid !== "ReportHookStatus") : statements,
  };
}

function smokeHookStatements(arns: { logGroup: string }): PolicyStatement[] {
  return [
    // Lambda manages the ENIs as the function's role; these take no resource-level permissions
    // in the managed policy either ("*").
    {
      Sid: "VpcNetworkInterfaces",
      Effect: "Allow",
      Action: [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:UnassignPrivateIpAddresses",
      ],
      Resource: "*",
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: `${arns.logGroup}:*`,
    },
    // PutLifecycleEventHookExecutionStatus takes no resource-level permissions: a deployment
    // group ARN here never matches and the hook's report is denied, so every release waits for
    // the hook's timeout and rolls back (Service Authorization Reference, AWS CodeDeploy: the
    // action lists no resource type:
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html).
    {
      Sid: "ReportHookStatus",
      Effect: "Allow",
      Action: ["codedeploy:PutLifecycleEventHookExecutionStatus"],
      Resource: "*",
    },
  ];
}

/** What CodeDeploy's inline policy is scoped to. */
export interface CodeDeployPolicyInput {
  /** The production and test listeners, whose default actions CodeDeploy rewrites. */
  listenerArns: string[];
  /** The lifecycle hook functions CodeDeploy invokes. */
  hookFunctionArns: string[];
  /** The task definition's execution and task roles, passed to ECS with each new task set. */
  taskRoleArns: string[];
}

/**
 * What CodeDeploy's service role needs for an ECS blue/green deployment of this one service: the
 * actions of AWSCodeDeployRoleForECS
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html)
 * scoped to its listeners, its hook and its task roles. That managed policy invokes
 * every Lambda and publishes to every topic; AWSCodeDeployRoleForECSLimited only passes roles named
 * ecsTaskExecutionRole or ECSTaskExecution*, so with our role names every deployment would fail.
 * Left out: sns:Publish (no deployment-group triggers), s3:GetObject (the AppSpec is inline), and
 * elasticloadbalancing:ModifyRule (the listeners have no rules, only default actions).
 */
export function codeDeployPolicy(input: CodeDeployPolicyInput): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      // On "*", as AWSCodeDeployRoleForECSLimited has them: which resource types ECS checks for each
      // task-set call could not be confirmed offline, and a guess that is off fails every
      // deployment. What CodeDeploy can reach is bounded by the invoke, pass-role and listener
      // statements below.
      {
        Sid: "EcsTaskSets",
        Effect: "Allow",
        Action: [
          "ecs:CreateTaskSet",
          "ecs:DeleteTaskSet",
          "ecs:DescribeServices",
          "ecs:UpdateServicePrimaryTaskSet",
        ],
        Resource: "*",
      },
      {
        Sid: "ShiftTraffic",
        Effect: "Allow",
        Action: ["elasticloadbalancing:ModifyListener"],
        Resource: input.listenerArns,
      },
      // Describe calls take no resource-level permissions beyond "*"; they change nothing.
      {
        Sid: "ReadLoadBalancingAndAlarms",
        Effect: "Allow",
        Action: [
          "cloudwatch:DescribeAlarms",
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups",
        ],
        Resource: "*",
      },
      {
        Sid: "InvokeSmokeHook",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource:
          input.hookFunctionArns.length === 1
            ? (input.hookFunctionArns[0] as string)
            : input.hookFunctionArns,
      },
      {
        Sid: "PassTaskRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: input.taskRoleArns,
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ],
  };
}

/**
 * The permissions boundary every role a stack's deploy creates must carry: the bootstrap creates
 * the managed policy, the deploy role may create roles only with it attached
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html), so no role a
 * deploy makes can do more than the boundary allows.
 */
export function permissionsBoundaryName(stack: string): string {
  return `comments-platform-${stack}-boundary`;
}

/** The boundary's ARN in an account. */
export function permissionsBoundaryArn(accountId: string, stack: string): string {
  return `arn:aws:iam::${accountId}:policy/${permissionsBoundaryName(stack)}`;
}

/**
 * ECS's infrastructure role for load balancers in a blue/green, canary or linear deployment: the
 * actions of the AWS managed AmazonECSInfrastructureRolePolicyForLoadBalancers, compared with its
 * default version v6 (edited 2026-02-12; v2 to v6 kept the same eight actions), which
 * infra/test/fixtures/ecs-load-balancers-policy-v6.json holds and ecs-prod.test.ts compares
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html;
 * the role: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AmazonECSInfrastructureRolePolicyForLoadBalancers.html),
 * scoped to this stack's two target groups, its production and test listeners and their rules
 * instead of every load balancer in the account. The Describe actions take no resource-level
 * permissions ("*": https://docs.aws.amazon.com/service-authorization/latest/reference/list_elasticloadbalancingv2.html).
 */
export function ecsLoadBalancerPolicy(arns: {
  targetGroups: string[];
  listeners: string[];
  rules: string[];
}): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadLoadBalancing",
        Effect: "Allow",
        Action: [
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeRules",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ],
        Resource: "*",
      },
      {
        Sid: "RegisterTasks",
        Effect: "Allow",
        Action: ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
        Resource: arns.targetGroups,
      },
      // The traffic shift: the weights of the production and test rules' forward actions.
      {
        Sid: "ShiftTraffic",
        Effect: "Allow",
        Action: ["elasticloadbalancing:ModifyRule"],
        Resource: arns.rules,
      },
      // The managed policy grants ModifyListener too (a listener's default rule is shifted through
      // its listener); ours shifts named rules, and keeps it on these two listeners only.
      {
        Sid: "ShiftDefaultRules",
        Effect: "Allow",
        Action: ["elasticloadbalancing:ModifyListener"],
        Resource: arns.listeners,
      },
    ],
  };
}

/**
 * The role ECS assumes to invoke the deployment's lifecycle hooks: these functions only
 * ("Permissions required for Lambda functions in Amazon ECS blue/green deployments":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html).
 */
export function ecsHookInvokePolicy(arns: { functions: string[] }): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "InvokeHooks", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: arns.functions },
    ],
  };
}

/**
 * The SLO canary judge hook: its logs, the deployment's revisions, and the canary analysis's queries to the stack's Prometheus
 * (POST api/v1/query, signed for `aps`: aps:QueryMetrics,
 * https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-and-IAM-policy-examples.html).
 */
export function judgeHookPolicy(arns: {
  logGroup: string;
  workspace: string;
  /** `arn:aws:ecs:<region>:<account>:service-revision/<cluster>/<service>/*` */
  serviceRevisions: string;
}): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Logs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${arns.logGroup}:*`,
      },
      { Sid: "QueryPrometheus", Effect: "Allow", Action: ["aps:QueryMetrics"], Resource: arns.workspace },
      // The canary's and the baseline's task definitions, read from the deployment's two service
      // revisions (ecs-hook-handler.ts DescribeServiceRevisionsCommand; resource type
      // service-revision: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html).
      {
        Sid: "ReadServiceRevisions",
        Effect: "Allow",
        Action: ["ecs:DescribeServiceRevisions"],
        Resource: arns.serviceRevisions,
      },
      // Whether the deployment is rolling back, and how far it has shifted (ecs-hook-handler.ts
      // DescribeServiceDeploymentsCommand; resource type service-deployment, same page): the
      // service's deployments, beside its revisions.
      {
        Sid: "ReadServiceDeployments",
        Effect: "Allow",
        Action: ["ecs:DescribeServiceDeployments"],
        Resource: arns.serviceRevisions.replace(":service-revision/", ":service-deployment/"),
      },
    ],
  };
}
