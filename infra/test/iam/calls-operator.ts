/**
 * The operator of a stack under an IAM engine: every AWS call `pnpm release` makes (each `new
 * …Command` under infra/src/release, and the SigV4 query of prometheus.ts) and the reads the docs'
 * commands make (logs, alarms, the contract, the task definitions), with their real ARNs; and what
 * the operator must never do: `pulumi up`'s writes, the other stack's resources, the Pulumi state.
 */
import { contractParameterArn } from "../../contract/src/contract";
import type { SynthResult } from "../../src/synth/run";
import { arnOf, awsName } from "./arns";
import { ACCOUNT, type Call, REGION } from "./engine";
import { deployCalls } from "./tables";

const RELEASE = "infra/src/release";
const DOCS = "docs/operations.md (the operator's commands)";
const at = `${REGION}:${ACCOUNT}`;

function of(result: SynthResult, type: string, name?: string) {
  const found = result.resources.find((r) => r.type === type && (name === undefined || r.name === name));
  if (found === undefined) throw new Error(`${result.stack}: no ${type} ${name ?? ""}`);
  return found;
}

/** Every call the operator of `result`'s stack makes, in the order a rollback then the docs make them. */
export function operatorCalls(result: SynthResult): Call[] {
  const base = `comments-api-${result.stack}`;
  const all = result.resources;
  const group = `arn:aws:codedeploy:${at}:deploymentgroup:${base}/${base}`;
  const cd = (action: string, where: string): Call => ({
    action: `codedeploy:${action}`,
    resource: group,
    source: `${RELEASE}/${where} ${action}Command`,
  });
  const logGroups = all
    .filter((r) => r.type === "aws:cloudwatch/logGroup:LogGroup")
    .map((r) => arnOf(r, all));
  // An ecs stack (releaseStrategy ecs) has ECS's hook role: its release is ECS's, not CodeDeploy's.
  const hookRole = all.find((r) => r.type === "aws:iam/role:Role" && r.name === `${base}-ecs-hooks`);
  function codeDeployCalls(): Call[] {
    const groupConfig = String(
      of(result, "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs.deploymentConfigName,
    );
    const configs = [...new Set([groupConfig, "CodeDeployDefault.ECSAllAtOnce"])];
    return [
      cd("ListDeployments", "codedeploy-deployer.ts"),
      cd("GetDeployment", "codedeploy-deployer.ts"),
      cd("BatchGetDeployments", "codedeploy-deployer.ts (the rollback's history)"),
      cd("GetDeploymentGroup", "codedeploy-deployer.ts"),
      cd("CreateDeployment", "codedeploy-deployer.ts"),
      ...configs.map((name) => ({
        action: "codedeploy:GetDeploymentConfig",
        resource: `arn:aws:codedeploy:${at}:deploymentconfig:${name}`,
        source:
          "https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html (CreateDeployment; --all-at-once: codedeploy-deployer.ts ALL_AT_ONCE)",
      })),
      {
        action: "codedeploy:GetDeploymentTarget",
        resource: "*",
        source: `${RELEASE}/codedeploy-deployer.ts GetDeploymentTargetCommand`,
      },
      {
        action: "codedeploy:StopDeployment",
        resource: "*",
        source: `${RELEASE}/codedeploy-deployer.ts StopDeploymentCommand (rollback, a conflict); the runbooks' aws deploy stop-deployment`,
      },
      {
        action: "ecs:DescribeServices",
        resource: `arn:aws:ecs:${at}:service/${base}/${base}`,
        source: `${RELEASE}/codedeploy-deployer.ts DescribeServicesCommand`,
      },
    ];
  }
  // ecs-api.ts's calls (the adapter, ecs-deployer.ts, makes no other), with the Service
  // Authorization Reference's resource types (service, service-deployment, service-revision).
  function ecsCalls(hookRoleArn: string): Call[] {
    const service = `arn:aws:ecs:${at}:service/${base}/${base}`;
    const deployment = `arn:aws:ecs:${at}:service-deployment/${base}/${base}/AbCdEf0123456789`;
    const revision = `arn:aws:ecs:${at}:service-revision/${base}/${base}/1234567890123456789`;
    const ecs = (action: string, resource: string, fn: string): Call => ({
      action: `ecs:${action}`,
      resource,
      source: `${RELEASE}/ecs-api.ts ${fn} ${action}Command`,
    });
    return [
      ecs("DescribeServices", service, "describeService"),
      ecs("UpdateService", service, "startDeployment"),
      {
        action: "iam:PassRole",
        resource: hookRoleArn,
        context: { "iam:PassedToService": "ecs.amazonaws.com" },
        source: `${RELEASE}/ecs-api.ts startDeployment UpdateServiceCommand deploymentConfiguration.lifecycleHooks[].roleArn`,
      },
      ecs("ListServiceDeployments", service, "listDeployments"),
      ecs("DescribeServiceDeployments", deployment, "describeDeployment(s)"),
      ecs("StopServiceDeployment", deployment, "stopWithRollback"),
      ecs("DescribeServiceRevisions", revision, "taskDefinitionsOf"),
    ];
  }
  return [
    ...(hookRole === undefined ? codeDeployCalls() : ecsCalls(arnOf(hookRole, all))),
    {
      action: "aps:QueryMetrics",
      resource: arnOf(of(result, "aws:amp/workspace:Workspace"), all),
      source: `${RELEASE}/prometheus.ts (POST api/v1/query, SigV4 aps): analyze, the budget gate, the canary`,
    },
    { action: "ecs:ListTaskDefinitions", resource: "*", source: `${DOCS}: a revision for release deploy` },
    ...logGroups.flatMap((logGroup) => [
      ...["FilterLogEvents", "DescribeLogStreams", "StartQuery"].map((a) => ({
        action: `logs:${a}`,
        resource: logGroup,
        source: `${DOCS}: aws logs tail / Logs Insights`,
      })),
      {
        action: "logs:GetLogEvents",
        resource: `${logGroup}:log-stream:app/app/0123456789abcdef`,
        source: `${DOCS}: aws logs get-log-events`,
      },
    ]),
    { action: "logs:DescribeLogGroups", resource: "*", source: `${DOCS}: aws logs tail` },
    ...all
      .filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm")
      .map((alarm) => ({
        action: "cloudwatch:DescribeAlarms",
        resource: `arn:aws:cloudwatch:${at}:alarm:${awsName(alarm)}`,
        source: `${DOCS}: the runbooks' alarms (src/documents/alarms.ts)`,
      })),
    {
      action: "ssm:GetParameter",
      resource: contractParameterArn({ stack: result.stack, region: REGION, accountId: ACCOUNT, version: 2 }),
      source: `${DOCS}: contractV2's prometheusQueryUrl and logGroupName`,
    },
  ];
}

/** Actions AWS authorizes on "*" only: an operator of one stack makes them on the other's too. */
export const WILDCARD_ONLY = [
  "codedeploy:GetDeploymentTarget",
  "codedeploy:StopDeployment",
  "ecs:ListTaskDefinitions",
  "logs:DescribeLogGroups",
];

/**
 * What `pulumi up` of the stack writes (every provider call whose access level is not Read or List,
 * per iam-data), the release step's own calls left out: those are the operator's job.
 */
export function infrastructureWrites(result: SynthResult, writes: (action: string) => Promise<boolean>) {
  const calls = deployCalls(result).filter((c) => !c.source.startsWith(RELEASE));
  return Promise.all(calls.map((c) => writes(c.action))).then((flags) => calls.filter((_, i) => flags[i]));
}
