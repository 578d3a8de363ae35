/**
 * `contractV1`: what other teams may read from a stack, with StackReference or from SSM. Fields are
 * added, never changed or removed; a breaking change comes as `contractV2` beside this one. No
 * secrets: the SSM parameter is a plain String.
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
}

/** The SSM parameter holding the contract as JSON, for readers without access to Pulumi state. */
export function contractParameterName(stack: string): string {
  return `/comments-platform/${stack}/contract/v1`;
}
