/**
 * The comments platform's Pulumi program: config → components → the exported contract. Nothing else
 * lives here; the components are in src/components, the pure documents in src/documents.
 */

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import {
  type ContractV1,
  type ContractV2,
  contractParameterArn,
  contractParameterName,
} from "./contract/src/contract";
import { CodeDeployBlueGreen } from "./src/components/codedeploy";
import { Database } from "./src/components/database";
import { EcsBlueGreen } from "./src/components/ecs-blue-green";
import { Firewall } from "./src/components/firewall";
import { LoadBalancer } from "./src/components/load-balancer";
import { Network } from "./src/components/network";
import { Observability } from "./src/components/observability";
import { Operator } from "./src/components/operator";
import { Registry } from "./src/components/registry";
import { ReleaseOnChange } from "./src/components/release-on-change";
import { Service } from "./src/components/service";
import { SmokeHook } from "./src/components/smoke-hook";
import { baseTags, named } from "./src/components/tags";
import { Waf } from "./src/components/waf";
import { baseName, loadStackConfig, rawConfigFrom, readConfigSpecs } from "./src/config";
import { collectorContainer, remoteWritePolicy } from "./src/documents/collector";
import { METRICS_PORT } from "./src/documents/containers";
import { ecsDeploymentConfiguration, judgeHoldMinutes } from "./src/documents/ecs-deployment";
import { permissionsBoundaryArn } from "./src/documents/iam";
import { DOCKERFILE, imageTagFor } from "./src/image-tag";
import { readMonitoringFiles } from "./src/monitoring-files";
import type { Analysis } from "./src/release/analysis";
import { ECS_HOOK_HANDLERS, ecsHookCode } from "./src/release/ecs-hook-code";
// Types only: the handler module loads the AWS SDK, which the program has no use for.
import type { JudgeConfig } from "./src/release/ecs-hook-handler";
import { JUDGE_HOOK_TIMEOUT_SECONDS } from "./src/release/plan";
import { userAgent } from "./src/release/user-agent";
import { REPO_ROOT } from "./src/stack-file";

const stack = pulumi.getStack();
// Documentation placeholders (placeholders.ts) are refused only where real resources change: not in
// a preview (https://www.pulumi.com/docs/iac/concepts/how-pulumi-works/: a preview is a dry run),
// and not under Pulumi's mocks (pnpm synth, the tests), where nothing is real.
const changesRealResources =
  !pulumi.runtime.isDryRun() && !(pulumi.runtime.getMonitor() instanceof MockMonitor);
// alerts/slo.yaml and alerts/analysis, read here once and passed in: the config reads no file itself.
const specs = readConfigSpecs();
const config = loadStackConfig(stack, rawConfigFrom(pulumi.runtime.allConfig()), specs, {
  refusePlaceholders: changesRealResources,
});
const tags = baseTags(config);
// Who moves a release's traffic: a CodeDeploy deployment group, or the ECS service itself.
const strategy = config.release.strategy;
/**
 * The judge hook's `hookDetails`: the analysis (without its file name and prose) and the stack's
 * Prometheus, as ecs-hook-handler.ts reads them (ecs-prod.test.ts compares with its judgeHookDetails).
 */
const judgeDetails = (
  prometheusUrl: string,
  { file: _file, description: _description, ...analysis }: Analysis,
) => {
  const judge: JudgeConfig = { stack, prometheusUrl, analysis };
  return { judge };
};
/** An analysis of alerts/analysis by name (the config parser has checked it exists). */
const analysisOf = (analysis: string) => {
  const found = specs.analyses[analysis];
  if (found === undefined) throw new Error(`no analysis ${analysis} in alerts/analysis`);
  return found;
};
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
const accountId = aws.getCallerIdentityOutput().accountId;
const permissionsBoundary = accountId.apply((account) => permissionsBoundaryArn(account, stack));

const observability = new Observability(name, {
  permissionsBoundary,
  stack,
  region: config.region,
  settings: config.monitoring,
  ...readMonitoringFiles(),
  grafanaToken: new pulumi.Config().getSecret("grafanaToken"),
  tags,
});
// The hooks are created before the service and the deployment group, which name them.
const smokeHook = new SmokeHook(name, {
  permissionsBoundary,
  stack,
  region: config.region,
  testListenerUrl: loadBalancer.testListenerUrl,
  userAgent: userAgent("smoke-hook", imageTag),
  privateSubnetIds: network.privateSubnetIds,
  securityGroupId: firewall.groups.smoke.id,
  ...(strategy === "ecs"
    ? { invokedBy: { strategy: "ecs" as const, code: ecsHookCode(), handler: ECS_HOOK_HANDLERS.smoke } }
    : {}),
  tags,
});

// ECS-native releases (releaseStrategy ecs): the rules, roles, judge and alarms the service names.
const canaryAnalysis = config.release.canaryAnalysis;
const ecsBlueGreen =
  strategy === "ecs"
    ? new EcsBlueGreen(name, {
        stack,
        settings: config.release,
        blueTargetGroup: loadBalancer.blueTargetGroup,
        greenTargetGroup: loadBalancer.greenTargetGroup,
        albArnSuffix: loadBalancer.alb.arnSuffix,
        productionListenerArn: loadBalancer.productionListener.arn,
        testListenerArn: loadBalancer.testListener.arn,
        alarmTopicArn: observability.topics.ticket.arn,
        smokeFunctionArn: smokeHook.function.arn,
        ...(canaryAnalysis === undefined
          ? {}
          : {
              judge: {
                code: ecsHookCode(),
                handler: ECS_HOOK_HANDLERS.judge,
                hookDetails: observability.workspace.prometheusEndpoint.apply((prometheusUrl) =>
                  JSON.stringify(judgeDetails(prometheusUrl, analysisOf(canaryAnalysis))),
                ),
                workspaceArn: observability.workspace.arn,
                serviceRevisions: aws
                  .getCallerIdentityOutput()
                  .accountId.apply(
                    (account) => `arn:aws:ecs:${config.region}:${account}:service-revision/${name}/${name}/*`,
                  ),
                userAgent: userAgent("judge-hook", imageTag),
                timeoutSeconds: JUDGE_HOOK_TIMEOUT_SECONDS,
              },
            }),
        tags,
        permissionsBoundary,
      })
    : undefined;

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
    // ECS checks its roles and the hooks when the service is created or updated.
    ...(ecsBlueGreen === undefined
      ? []
      : [
          ecsBlueGreen.productionRule,
          ecsBlueGreen.testRule,
          ...ecsBlueGreen.permissions,
          smokeHook.function,
        ]),
  ],
  ...(ecsBlueGreen === undefined
    ? {}
    : {
        ecs: {
          deploymentConfiguration: pulumi
            .all([
              ecsBlueGreen.hookRole.arn,
              smokeHook.function.arn,
              ecsBlueGreen.judge?.arn,
              ecsBlueGreen.judgeHookDetails,
            ])
            .apply(([roleArn, smoke, judge, judgeDetails]) =>
              ecsDeploymentConfiguration(config.release.routing, {
                roleArn,
                smoke,
                ...(judge === undefined || judgeDetails === undefined
                  ? {}
                  : {
                      judge: {
                        arn: judge,
                        details: judgeDetails,
                        holdMinutes: judgeHoldMinutes(
                          config.release.canaryLooks ?? { count: 0, everyMinutes: 0 },
                        ),
                      },
                    }),
              }),
            ),
          alternateTargetGroupArn: loadBalancer.greenTargetGroup.arn,
          productionListenerRuleArn: ecsBlueGreen.productionRule.arn,
          testListenerRuleArn: ecsBlueGreen.testRule.arn,
          loadBalancerRoleArn: ecsBlueGreen.loadBalancerRole.arn,
          // ECS keeps one alarm list per service and judges every deployment by all of it: the
          // load balancer's alarm only, as no colour's alarm may roll back a fix of the live one
          // (docs/ecs-native.md, alarms). The colours' alarms still notify the ticket topic.
          alarmNames: pulumi
            .all(ecsBlueGreen.alarms.map((alarm) => alarm.name))
            .apply((names) => names.filter((alarm) => !/-(blue|green)-/.test(alarm))),
        },
      }),
  tags,
});

// CodeDeploy releases (the default): the application, the deployment group and its alarms. None in
// an `ecs` stack.
const codedeploy =
  strategy === "codedeploy"
    ? new CodeDeployBlueGreen(name, {
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
      })
    : undefined;

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
  strategy,
  dependsOn: [
    service.service,
    ...(codedeploy === undefined ? [] : [codedeploy.deploymentGroup, codedeploy.permissions]),
    ...(ecsBlueGreen === undefined ? [] : ecsBlueGreen.permissions),
    smokeHook.function,
    smokeHook.permissions,
    ...firewall.rules.smoke,
    ...firewall.rules.alb,
  ],
});

/** What both contract versions say of the stack, besides their version and the release's names. */
const common = {
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
  alarmTopicArn: observability.topics.ticket.arn,
  pageTopicArn: observability.topics.page.arn,
};
const codedeployNames =
  codedeploy === undefined
    ? undefined
    : {
        codedeployApplication: codedeploy.application.name,
        codedeployDeploymentGroup: codedeploy.deploymentGroup.deploymentGroupName,
      };

// The operator's IAM Identity Center permission set, where the stack names an instance.
const { operator } = config;
if (operator.instanceArn !== undefined) {
  new Operator(name, {
    settings: { ...operator, instanceArn: operator.instanceArn },
    stack,
    region: config.region,
    accountId,
    workspaceArn: observability.workspace.arn,
    logGroups: [
      service.logGroup.name,
      smokeHook.logGroup.name,
      // An ecs stack's SLO judge hook logs to /aws/lambda/<function name> (ecs-blue-green.ts).
      ...(ecsBlueGreen?.judge === undefined
        ? []
        : [pulumi.interpolate`/aws/lambda/${ecsBlueGreen.judge.name}`]),
    ],
    contractParameterArn: accountId.apply((account) =>
      contractParameterArn({ stack, region: config.region, accountId: account, version: 2 }),
    ),
    ...(ecsBlueGreen === undefined ? {} : { ecsHookRoleArn: ecsBlueGreen.hookRole.arn }),
    tags,
  });
}

/** A contract's JSON in its SSM parameter: the address consumers read without Pulumi state. */
function contractParameter(version: number, value: pulumi.Input<object>): void {
  new aws.ssm.Parameter(`${name}-contract-v${version}`, {
    // Fixed: the address consumers read. Only a rename replaces a parameter.
    name: contractParameterName(stack, version),
    type: "String",
    // `insecureValue`: the provider treats `value` as secret always; the contract holds no secret and
    // its changes should show in previews.
    insecureValue: pulumi.output(value).apply((json) => JSON.stringify(json)),
    description: `comments-platform contractV${version} (JSON): what other teams may read from this stack`,
    tags: named(tags, contractParameterName(stack, version)),
  });
}

// contractV1 names the CodeDeploy application and group, which an `ecs` stack does not have: such a
// stack publishes contractV2 only (docs/consuming-outputs.md).
const contract: { [K in keyof ContractV1]: pulumi.Input<ContractV1[K]> } | undefined =
  codedeployNames === undefined ? undefined : { version: 1, ...common, ...codedeployNames };
if (contract !== undefined) contractParameter(1, contract);
const contract2: { [K in keyof ContractV2]: pulumi.Input<ContractV2[K]> } = {
  version: 2,
  ...common,
  releaseStrategy: strategy,
  ...(codedeployNames ?? {}),
};
contractParameter(2, contract2);

/**
 * Read by other teams with `new pulumi.StackReference(...).getOutput("contractV1")`. A `codedeploy`
 * stack's only (undefined in an `ecs` stack, which has no CodeDeploy names).
 */
export const contractV1 = contract;
/** Every stack's contract, whichever strategy releases it: `getOutput("contractV2")`. */
export const contractV2 = contract2;

/**
 * The RDS-managed secret holding the database login: what an operator rotates
 * (`aws secretsmanager rotate-secret --secret-id "$(pulumi stack output databaseSecretArn)"`,
 * docs/operations.md). Not in contractV1: other teams have no use for it.
 */
export const databaseSecretArn = database.secretArn;
