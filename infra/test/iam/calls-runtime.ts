/**
 * What the roles a deploy creates are used for, call by call: what AWS does with them on our behalf
 * (CodeDeploy's blue/green, ECS starting a task, Lambda's network interfaces, Managed Grafana's
 * queries) and what our code calls with them (the service's secret, the collector's remote write,
 * the smoke hook's status), plus the AWS services that publish to our topics.
 */
import type { SynthResult } from "../../src/synth/run";
import { arnOf, awsName, computed } from "./arns";
import { ACCOUNT, type Call, REGION } from "./engine";
import { SECRETS_MANAGER_KEY } from "./resource-policies";

const CODEDEPLOY_ECS =
  "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html (what CodeDeploy does in an ECS blue/green deployment)";
const ECS_EXECUTION =
  "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html";
const LAMBDA_VPC =
  "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions";
const AMP_QUERY =
  "https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-and-IAM.html (query and remote-write actions)";

const at = `${REGION}:${ACCOUNT}`;

function of(result: SynthResult, type: string, name?: string) {
  const found = result.resources.find((r) => r.type === type && (name === undefined || r.name === name));
  if (found === undefined) throw new Error(`${result.stack}: no ${type} ${name ?? ""}`);
  return found;
}

/** The calls of each role a stack's deploy creates, keyed by the role's Pulumi name. */
export function runtimeCalls(result: SynthResult): Record<string, Call[]> {
  const base = `comments-api-${result.stack}`;
  const all = result.resources;
  const ecsStrategy = all.some((r) => r.type === "comments-platform:release:EcsBlueGreen");
  const repository = arnOf(of(result, "aws:ecr/repository:Repository"), all);
  const appLogs = arnOf(of(result, "aws:cloudwatch/logGroup:LogGroup", `${base}-logs`), all);
  const hookLogs = arnOf(of(result, "aws:cloudwatch/logGroup:LogGroup", `${base}-smoke`), all);
  const workspace = arnOf(of(result, "aws:amp/workspace:Workspace"), all);
  const secret = computed(of(result, "aws:rds/instance:Instance"), "masterUserSecrets[0].secretArn", all);
  const group = `arn:aws:codedeploy:${at}:deploymentgroup:${base}/${base}`;
  const eni = `arn:aws:ec2:${at}:network-interface/eni-0123456789abcdef0`;
  const subnet = `arn:aws:ec2:${at}:subnet/subnet-0123456789abcdef0`;
  const securityGroup = `arn:aws:ec2:${at}:security-group/sg-0123456789abcdef0`;

  const smokeReport: Call[] = ecsStrategy
    ? []
    : [
        {
          action: "codedeploy:PutLifecycleEventHookExecutionStatus",
          resource: group,
          source: "infra/src/release/smoke-handler.ts PutLifecycleEventHookExecutionStatusCommand",
        },
      ];
  return {
    ...(ecsStrategy ? ecsRoleCalls(result) : codeDeployRoleCalls(result)),
    [`${base}-execution`]: [
      { action: "ecr:GetAuthorizationToken", resource: "*", source: ECS_EXECUTION },
      ...["BatchCheckLayerAvailability", "GetDownloadUrlForLayer", "BatchGetImage"].map((a) => ({
        action: `ecr:${a}`,
        resource: repository,
        source: ECS_EXECUTION,
      })),
      // The app's and the collector's awslogs streams in the service's log group.
      ...["CreateLogStream", "PutLogEvents"].flatMap((a) =>
        ["app", "collector"].map((prefix) => ({
          action: `logs:${a}`,
          resource: `${appLogs}:log-stream:${prefix}/container/0123456789abcdef`,
          source: `${ECS_EXECUTION} (awslogs driver)`,
        })),
      ),
    ],
    [`${base}-task`]: [
      {
        action: "secretsmanager:GetSecretValue",
        resource: String(secret),
        source: "services/comments-api/src/store/credentials.ts GetSecretValueCommand",
      },
      {
        action: "kms:Decrypt",
        resource: SECRETS_MANAGER_KEY,
        context: { "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT },
        source: "Secrets Manager decrypts the secret as the caller (aws/secretsmanager key policy)",
      },
      {
        action: "aps:RemoteWrite",
        resource: workspace,
        source: `src/documents/collector.ts prometheusremotewrite with sigv4auth; ${AMP_QUERY}`,
      },
    ],
    [`${base}-smoke`]: [
      ...[eni, subnet, securityGroup].map((resource) => ({
        action: "ec2:CreateNetworkInterface",
        resource,
        source: LAMBDA_VPC,
      })),
      ...["DescribeNetworkInterfaces", "DescribeSubnets"].map((a) => ({
        action: `ec2:${a}`,
        resource: "*",
        source: LAMBDA_VPC,
      })),
      ...["DeleteNetworkInterface", "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"].map((a) => ({
        action: `ec2:${a}`,
        resource: eni,
        source: LAMBDA_VPC,
      })),
      ...["CreateLogStream", "PutLogEvents"].map((a) => ({
        action: `logs:${a}`,
        resource: `${hookLogs}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`,
        source: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
      })),
      ...smokeReport,
    ],
    [`${base}-grafana`]: ["QueryMetrics", "GetSeries", "GetLabels", "GetMetricMetadata"].map((a) => ({
      action: `aps:${a}`,
      resource: workspace,
      source: `Managed Grafana's Prometheus data source (SigV4 with the workspace role); ${AMP_QUERY}`,
    })),
  };
}

/**
 * AWS services that publish to our topics, allowed by the topic policies alone: AMP's Alertmanager
 * (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-AMPpermission.html)
 * and CloudWatch alarms (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
 */
export function publisherCalls(result: SynthResult): Array<{ service: string; call: Call }> {
  const all = result.resources;
  const workspace = arnOf(of(result, "aws:amp/workspace:Workspace"), all);
  const fromAmp = all
    .filter((r) => r.type === "aws:sns/topicPolicy:TopicPolicy")
    .map((policy) => ({
      service: "aps.amazonaws.com",
      call: {
        action: "sns:Publish",
        resource: String(policy.inputs.arn),
        context: { "aws:SourceArn": workspace, "aws:SourceAccount": ACCOUNT },
        source: "AMP Alertmanager sns_configs (alerts/alertmanager)",
      },
    }));
  const fromAlarms = all
    .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
    .flatMap((alarm) =>
      [...new Set([alarm.inputs.alarmActions, alarm.inputs.okActions].flat())]
        .filter((topic): topic is string => typeof topic === "string")
        .map((topic) => ({
          service: "cloudwatch.amazonaws.com",
          call: {
            action: "sns:Publish",
            resource: topic,
            context: {
              "aws:SourceArn": `arn:aws:cloudwatch:${at}:alarm:${awsName(alarm)}`,
              "aws:SourceAccount": ACCOUNT,
            },
            source: `alarm ${alarm.name} (src/documents/alarms.ts)`,
          },
        })),
    );
  return [...fromAmp, ...fromAlarms];
}

/** CodeDeploy's service role: what CodeDeploy does in an ECS blue/green deployment. */
function codeDeployRoleCalls(result: SynthResult): Record<string, Call[]> {
  const base = `comments-api-${result.stack}`;
  const all = result.resources;
  const cluster = awsName(of(result, "aws:ecs/cluster:Cluster"));
  const service = `arn:aws:ecs:${at}:service/${cluster}/${awsName(of(result, "aws:ecs/service:Service"))}`;
  const taskSet = `arn:aws:ecs:${at}:task-set/${cluster}/${awsName(of(result, "aws:ecs/service:Service"))}/ecs-svc/1234567890123456789`;
  // CodeDeploy shifts traffic on the deployment group's production and test listeners only.
  const routes = (
    of(result, "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs.loadBalancerInfo as {
      targetGroupPairInfo: Record<string, { listenerArns?: string[] }>;
    }
  ).targetGroupPairInfo;
  const listeners = [
    routes.prodTrafficRoute?.listenerArns ?? [],
    routes.testTrafficRoute?.listenerArns ?? [],
  ].flat();
  const hook = arnOf(of(result, "aws:lambda/function:Function", `${base}-smoke`), all);
  const role = (name: string) => arnOf(of(result, "aws:iam/role:Role", `${base}-${name}`), all);
  return {
    [`${base}-codedeploy`]: [
      { action: "ecs:DescribeServices", resource: service, source: CODEDEPLOY_ECS },
      { action: "ecs:CreateTaskSet", resource: taskSet, source: CODEDEPLOY_ECS },
      { action: "ecs:UpdateServicePrimaryTaskSet", resource: service, source: CODEDEPLOY_ECS },
      { action: "ecs:DeleteTaskSet", resource: taskSet, source: CODEDEPLOY_ECS },
      ...["DescribeTargetGroups", "DescribeListeners", "DescribeRules"].map((a) => ({
        action: `elasticloadbalancing:${a}`,
        resource: "*",
        source: CODEDEPLOY_ECS,
      })),
      ...listeners.map((listener) => ({
        action: "elasticloadbalancing:ModifyListener",
        resource: listener,
        source: `${CODEDEPLOY_ECS}: traffic shift`,
      })),
      {
        action: "cloudwatch:DescribeAlarms",
        resource: "*",
        source: `${CODEDEPLOY_ECS}: alarm-based rollback`,
      },
      {
        action: "lambda:InvokeFunction",
        resource: hook,
        source: `${CODEDEPLOY_ECS}: AfterAllowTestTraffic hook`,
      },
      ...["execution", "task"].map((name) => ({
        action: "iam:PassRole",
        resource: role(name),
        context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
        source: `${CODEDEPLOY_ECS}: the new task set's roles`,
      })),
    ],
  };
}

const ECS_LOAD_BALANCERS =
  "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSInfrastructureRolePolicyForLoadBalancers.html (what ECS does with the load balancer in a blue/green, canary or linear deployment)";
const ECS_HOOKS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html";

/**
 * An `ecs` stack's roles: ECS's infrastructure role for load balancers (register the tasks, move
 * the rules' weights), the role ECS invokes the hooks with, and the judge hook's own.
 */
function ecsRoleCalls(result: SynthResult): Record<string, Call[]> {
  const base = `comments-api-${result.stack}`;
  const all = result.resources;
  const groups = all.filter((r) => r.type === "aws:lb/targetGroup:TargetGroup").map((r) => arnOf(r, all));
  const rules = all.filter((r) => r.type === "aws:lb/listenerRule:ListenerRule").map((r) => arnOf(r, all));
  // The listeners the two rules belong to: the production and test listeners.
  const listeners = all
    .filter((r) => r.type === "aws:lb/listener:Listener" && /-(production|test)$/.test(r.name))
    .map((r) => arnOf(r, all));
  const functions = all.filter((r) => r.type === "aws:lambda/function:Function").map((r) => arnOf(r, all));
  const judge = all.find((r) => r.type === "aws:lambda/function:Function" && r.name === `${base}-judge`);
  const cluster = awsName(of(result, "aws:ecs/cluster:Cluster"));
  const serviceName = awsName(of(result, "aws:ecs/service:Service"));
  return {
    [`${base}-ecs-load-balancers`]: [
      ...["DescribeListeners", "DescribeRules", "DescribeTargetGroups", "DescribeTargetHealth"].map((a) => ({
        action: `elasticloadbalancing:${a}`,
        resource: "*",
        source: ECS_LOAD_BALANCERS,
      })),
      ...groups.flatMap((group) =>
        ["RegisterTargets", "DeregisterTargets"].map((a) => ({
          action: `elasticloadbalancing:${a}`,
          resource: group,
          source: `${ECS_LOAD_BALANCERS}: the tasks of blue and green`,
        })),
      ),
      ...rules.map((rule) => ({
        action: "elasticloadbalancing:ModifyRule",
        resource: rule,
        source: `${ECS_LOAD_BALANCERS}: traffic shift on the production and test rules`,
      })),
      ...listeners.map((listener) => ({
        action: "elasticloadbalancing:ModifyListener",
        resource: listener,
        source: `${ECS_LOAD_BALANCERS}: ALBModifyListeners (a listener's default rule), on our two listeners`,
      })),
    ],
    [`${base}-ecs-hooks`]: functions.map((fn) => ({
      action: "lambda:InvokeFunction",
      resource: fn,
      source: `${ECS_HOOKS}: a lifecycle hook`,
    })),
    ...(judge === undefined
      ? {}
      : {
          [`${base}-judge`]: [
            ...["CreateLogStream", "PutLogEvents"].map((a) => ({
              action: `logs:${a}`,
              resource: `${arnOf(of(result, "aws:cloudwatch/logGroup:LogGroup", `${base}-judge`), all)}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`,
              source: "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html",
            })),
            {
              action: "aps:QueryMetrics",
              resource: arnOf(of(result, "aws:amp/workspace:Workspace"), all),
              source: `infra/src/release/ecs-hook-handler.ts judgeHandler, prometheus.ts (POST api/v1/query, SigV4 aps); ${AMP_QUERY}`,
            },
            {
              action: "ecs:DescribeServiceRevisions",
              resource: `arn:aws:ecs:${at}:service-revision/${cluster}/${serviceName}/1234567890123456789`,
              source: "infra/src/release/ecs-hook-handler.ts judgeHandler DescribeServiceRevisionsCommand",
            },
            {
              action: "ecs:DescribeServiceDeployments",
              resource: `arn:aws:ecs:${at}:service-deployment/${cluster}/${serviceName}/EZe5RNVLH6PPzHXINuP28`,
              source: "infra/src/release/ecs-hook-handler.ts judgeHandler DescribeServiceDeploymentsCommand",
            },
          ],
        }),
  };
}
