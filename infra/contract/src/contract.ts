/**
 * `contractV1`: what other teams may read from a stack, from SSM (`readContract`) or with
 * StackReference on the same backend. Fields are added, never changed or removed; a breaking change
 * comes as `contractV2` beside this one (and version 2.0.0 of this package). No secrets: the SSM
 * parameter is a plain String. This file is the one source of the type: the program, the bootstrap
 * and CI's breaking-change check (.github/scripts/lib/contract.ts) all read it here.
 */
export interface ContractV1 {
  version: 1;
  stack: string;
  region: string;
  /** The service's base URL (https when a certificate is configured). */
  url: string;
  albDnsName: string;
  /** Route 53 hosted zone of the ALB, for alias records. */
  albZoneId: string;
  ecrRepositoryUrl: string;
  /** The image the service runs: `repository:tag@sha256:digest`. */
  imageRef: string;
  clusterName: string;
  serviceName: string;
  vpcId: string;
  privateSubnetIds: string[];
  /** Attach it as a source to let your resources be reached by the service. */
  serviceSecurityGroupId: string;
  logGroupName: string;
  /** Amazon Managed Prometheus workspace with the service's metrics and rules. */
  prometheusWorkspaceId: string;
  /** Base URL for PromQL queries (SigV4, service `aps`): append `api/v1/query`. */
  prometheusQueryUrl: string;
  /** The Grafana holding the stack's dashboards. */
  grafanaUrl: string;
  /** CodeDeploy application and deployment group that release the service (blue/green). */
  codedeployApplication: string;
  codedeployDeploymentGroup: string;
  /** SNS topic the release's rollback alarms notify. */
  alarmTopicArn: string;
  /**
   * SNS topic of the stack's pages (SLO fast burns, the heartbeat alarm): subscribe a team's own
   * pager to it. Optional: stacks deployed before it was added do not have it.
   */
  pageTopicArn?: string;
}

/**
 * `contractV2`: `contractV1` for a stack released by either strategy. A stack whose releases ECS
 * moves itself (`releaseStrategy: ecs`) has no CodeDeploy application or deployment group, so it
 * cannot fill contractV1's two required CodeDeploy fields, and making them optional there would
 * break readers that rely on them: V2 carries the strategy, and the CodeDeploy names only where
 * there are some. Every stack publishes contractV2; a `codedeploy` stack publishes contractV1
 * beside it, unchanged. Fields are added, never changed or removed.
 */
export interface ContractV2
  extends Omit<ContractV1, "version" | "codedeployApplication" | "codedeployDeploymentGroup"> {
  version: 2;
  /**
   * Who moves a release's traffic: `codedeploy` (a CodeDeploy deployment group) or `ecs` (the
   * service's own blue/green, canary or linear deployment: follow it with ECS's
   * ListServiceDeployments on `clusterName`/`serviceName`).
   */
  releaseStrategy: string;
  /** The CodeDeploy application and deployment group: present when `releaseStrategy` is `codedeploy`. */
  codedeployApplication?: string;
  codedeployDeploymentGroup?: string;
}

/** The contract's version: the `v1` of its parameter's name, and this package's major version. */
export const CONTRACT_VERSION = 1;
/** contractV2's version: the `v2` of its parameter's name. */
export const CONTRACT_V2_VERSION = 2;

/**
 * The SSM parameter holding the contract as JSON, for readers without access to Pulumi state.
 * @param version the contract's version @default 1
 */
export function contractParameterName(stack: string, version: number = CONTRACT_VERSION): string {
  return `/comments-platform/${stack}/contract/v${version}`;
}

/**
 * The parameter's ARN in the account that runs the stack. Another account must name a parameter
 * shared with it by its full ARN: "For parameters shared with you from another account, you must
 * use the full ARN" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
 * The name starts with `/`, so the ARN reads `parameter/comments-platform/...`
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html#awssystemsmanager-resources-for-iam-policies).
 */
export function contractParameterArn(input: {
  stack: string;
  region: string;
  accountId: string;
  /** @default 1 */
  version?: number;
}): string {
  return `arn:aws:ssm:${input.region}:${input.accountId}:parameter${contractParameterName(input.stack, input.version)}`;
}
