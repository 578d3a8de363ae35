/**
 * The comments platform's Pulumi program: config → components → the exported contract. Nothing else
 * lives here; the components are in src/components, the pure documents in src/documents.
 */

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { type ContractV1, contractParameterName } from "./contract/src/contract";
import { CodeDeployBlueGreen } from "./src/components/codedeploy";
import { Database } from "./src/components/database";
import { Firewall } from "./src/components/firewall";
import { LoadBalancer } from "./src/components/load-balancer";
import { Network } from "./src/components/network";
import { Observability } from "./src/components/observability";
import { Registry } from "./src/components/registry";
import { ReleaseOnChange } from "./src/components/release-on-change";
import { Service } from "./src/components/service";
import { SmokeHook } from "./src/components/smoke-hook";
import { baseTags, named } from "./src/components/tags";
import { Waf } from "./src/components/waf";
import { baseName, loadStackConfig, rawConfigFrom, readConfigSpecs } from "./src/config";
import { collectorContainer, remoteWritePolicy } from "./src/documents/collector";
import { METRICS_PORT } from "./src/documents/containers";
import { permissionsBoundaryArn } from "./src/documents/iam";
import { DOCKERFILE, imageTagFor } from "./src/image-tag";
import { readMonitoringFiles } from "./src/monitoring-files";
import { userAgent } from "./src/release/user-agent";
import { REPO_ROOT } from "./src/stack-file";

const stack = pulumi.getStack();
// Documentation placeholders (placeholders.ts) are refused only where real resources change: not in
// a preview (https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/: a preview is a dry run),
// and not under Pulumi's mocks (pnpm synth, the tests), where nothing is real.
const changesRealResources =
  !pulumi.runtime.isDryRun() && !(pulumi.runtime.getMonitor() instanceof MockMonitor);
// alerts/slo.yaml and alerts/analysis, read here once and passed in: the config reads no file itself.
const config = loadStackConfig(stack, rawConfigFrom(pulumi.runtime.allConfig()), readConfigSpecs(), {
  refusePlaceholders: changesRealResources,
});
const tags = baseTags(config);
const name = baseName(stack);
// The hash of the build inputs: a commit that changes none of them builds and releases nothing.
const imageTag = imageTagFor(REPO_ROOT);

const network = new Network(name, { ...config.network, tags });
const firewall = new Firewall(name, {
  vpcId: network.vpc.id,
  containerPort: config.service.containerPort,
  https: config.loadBalancer.certificateArn !== undefined,
  testListenerPort: config.loadBalancer.testListenerPort,
  testListenerCidrs: config.loadBalancer.testListenerCidrs,
  natPublicIps: network.natPublicIps,
  tags,
});
const registry = new Registry(name, {
  // Relative to the program's directory (infra/), where Pulumi runs it: absolute paths would differ
  // between machines and show as a change in every preview.
  contextPath: "..",
  dockerfilePath: `../${DOCKERFILE}`,
  imageTag,
  cpuArchitecture: config.service.cpuArchitecture,
  keepReleases: config.registry.keepReleases,
  tags,
});
const database = new Database(name, {
  settings: config.database,
  isolatedSubnetIds: network.isolatedSubnetIds,
  securityGroupId: firewall.groups.database.id,
  tags,
});
const loadBalancer = new LoadBalancer(name, {
  vpcId: network.vpc.id,
  publicSubnetIds: network.publicSubnetIds,
  securityGroupId: firewall.groups.alb.id,
  containerPort: config.service.containerPort,
  certificateArn: config.loadBalancer.certificateArn,
  testListenerPort: config.loadBalancer.testListenerPort,
  domainName: config.loadBalancer.domainName,
  hostedZoneId: config.loadBalancer.hostedZoneId,
  tags,
});
// Prod's web ACL: a rate limit per client address and AWS's common rule set, before the ALB.
if (config.abuse.wafRateLimit > 0) {
  new Waf(name, { albArn: loadBalancer.alb.arn, rateLimit: config.abuse.wafRateLimit, tags });
}
// Every role the stack creates carries the bootstrap's permissions boundary for this stack: the
// deploy role may create no role without it.
const permissionsBoundary = aws
  .getCallerIdentityOutput()
  .accountId.apply((account) => permissionsBoundaryArn(account, stack));

const observability = new Observability(name, {
  permissionsBoundary,
  stack,
  region: config.region,
  settings: config.monitoring,
  ...readMonitoringFiles(),
  grafanaToken: new pulumi.Config().getSecret("grafanaToken"),
  tags,
});
const service = new Service(name, {
  permissionsBoundary,
  settings: config.service,
  rateLimitPerMinute: config.abuse.appRateLimitPerMinute,
  region: config.region,
  imageRef: registry.imageRef,
  repositoryArn: registry.repository.arn,
  database: { host: database.instance.address, port: database.instance.port, secretArn: database.secretArn },
  privateSubnetIds: network.privateSubnetIds,
  securityGroupId: firewall.groups.service.id,
  blueTargetGroupArn: loadBalancer.blueTargetGroup.arn,
  albArnSuffix: loadBalancer.alb.arnSuffix,
  targetGroupArnSuffixes: [loadBalancer.blueTargetGroup.arnSuffix, loadBalancer.greenTargetGroup.arnSuffix],
  sidecars: (logGroup) => [
    observability.workspace.prometheusEndpoint.apply((prometheusEndpoint) =>
      collectorContainer({
        stack,
        region: config.region,
        metricsPort: METRICS_PORT,
        prometheusEndpoint,
        logGroup,
      }),
    ),
  ],
  taskRolePolicies: {
    "remote-write": observability.workspace.arn.apply((arn) => JSON.stringify(remoteWritePolicy(arn))),
  },
  serviceDependsOn: [
    loadBalancer.productionListener,
    loadBalancer.testListener,
    ...firewall.rules.service,
    ...firewall.rules.alb,
  ],
  tags,
});

// The hook is created before the deployment group, so CodeDeploy's policy can name it.
const smokeHook = new SmokeHook(name, {
  permissionsBoundary,
  stack,
  region: config.region,
  testListenerUrl: loadBalancer.testListenerUrl,
  userAgent: userAgent("smoke-hook", imageTag),
  privateSubnetIds: network.privateSubnetIds,
  securityGroupId: firewall.groups.smoke.id,
  tags,
});

const codedeploy = new CodeDeployBlueGreen(name, {
  permissionsBoundary,
  settings: config.release,
  clusterName: service.cluster.name,
  serviceName: service.service.name,
  blueTargetGroup: loadBalancer.blueTargetGroup,
  greenTargetGroup: loadBalancer.greenTargetGroup,
  albArnSuffix: loadBalancer.alb.arnSuffix,
  productionListenerArn: loadBalancer.productionListener.arn,
  testListenerArn: loadBalancer.testListener.arn,
  alarmTopicArn: observability.topics.ticket.arn,
  hookFunctionArns: [smokeHook.function.arn],
  taskRoleArns: [service.executionRole.arn, service.taskRole.arn],
  tags,
});

new ReleaseOnChange(name, {
  stack,
  taskDefinitionArn: service.taskDefinition.arn,
  subnetIds: network.privateSubnetIds,
  securityGroupIds: [firewall.groups.service.id],
  // Prod's releases check the error budget first and judge the canary against the stack's own
  // Prometheus; every release leaves its markers in Grafana.
  ...(stack === "prod" ? { prometheusUrl: observability.workspace.prometheusEndpoint } : {}),
  ...(config.release.canaryAnalysis === undefined ? {} : { analysis: config.release.canaryAnalysis }),
  grafana: { url: observability.grafanaUrl, token: observability.grafanaToken },
  // The hook reaches green through the test listener, from its subnets through the NAT gateways.
  dependsOn: [
    service.service,
    codedeploy.deploymentGroup,
    codedeploy.permissions,
    smokeHook.function,
    smokeHook.permissions,
    ...firewall.rules.smoke,
    ...firewall.rules.alb,
  ],
});

const contract: { [K in keyof ContractV1]: pulumi.Input<ContractV1[K]> } = {
  version: 1,
  stack,
  region: config.region,
  url: loadBalancer.url,
  albDnsName: loadBalancer.alb.dnsName,
  albZoneId: loadBalancer.alb.zoneId,
  ecrRepositoryUrl: registry.repository.repositoryUrl,
  imageRef: registry.imageRef,
  clusterName: service.cluster.name,
  serviceName: service.service.name,
  vpcId: network.vpc.id,
  privateSubnetIds: pulumi.all(network.privateSubnetIds),
  serviceSecurityGroupId: firewall.groups.service.id,
  logGroupName: service.logGroup.name,
  prometheusWorkspaceId: observability.workspace.id,
  prometheusQueryUrl: observability.workspace.prometheusEndpoint,
  grafanaUrl: observability.grafanaUrl,
  codedeployApplication: codedeploy.application.name,
  codedeployDeploymentGroup: codedeploy.deploymentGroup.deploymentGroupName,
  alarmTopicArn: observability.topics.ticket.arn,
  pageTopicArn: observability.topics.page.arn,
};
new aws.ssm.Parameter(`${name}-contract-v1`, {
  // Fixed: the address consumers read. Only a rename replaces a parameter.
  name: contractParameterName(stack),
  type: "String",
  // `insecureValue`: the provider treats `value` as secret always; the contract holds no secret and
  // its changes should show in previews.
  insecureValue: pulumi.output(contract).apply((value) => JSON.stringify(value)),
  description: "comments-platform contractV1 (JSON): what other teams may read from this stack",
  tags: named(tags, contractParameterName(stack)),
});

/** Read by other teams with `new pulumi.StackReference(...).getOutput("contractV1")`. */
export const contractV1 = contract;

/**
 * The RDS-managed secret holding the database login: what an operator rotates
 * (`aws secretsmanager rotate-secret --secret-id "$(pulumi stack output databaseSecretArn)"`,
 * docs/operations.md). Not in contractV1: other teams have no use for it.
 */
export const databaseSecretArn = database.secretArn;
