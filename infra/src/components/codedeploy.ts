import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEPLOYMENT_CONFIGS, type StackConfig } from "../config";
import { assumeRolePolicy, codeDeployPolicy } from "../documents/iam";
import { deploymentConfigName } from "../release/plan";
import { rollbackAlarmResources } from "./rollback-alarms";
import { named, type Tags } from "./tags";

/** What the CodeDeploy component needs: the service, both target groups, both listeners, the hook and the task roles. */
export interface CodeDeployBlueGreenArgs {
  settings: StackConfig["release"];
  clusterName: pulumi.Input<string>;
  serviceName: pulumi.Input<string>;
  blueTargetGroup: { name: pulumi.Input<string>; arnSuffix: pulumi.Input<string> };
  greenTargetGroup: { name: pulumi.Input<string>; arnSuffix: pulumi.Input<string> };
  albArnSuffix: pulumi.Input<string>;
  productionListenerArn: pulumi.Input<string>;
  testListenerArn: pulumi.Input<string>;
  /** Where the rollback alarms notify (besides rolling back). */
  alarmTopicArn: pulumi.Input<string>;
  /** The lifecycle hooks CodeDeploy may invoke (the smoke test). */
  hookFunctionArns: pulumi.Input<string>[];
  /** The execution and task roles CodeDeploy passes to ECS with each new task set. */
  taskRoleArns: pulumi.Input<string>[];
  tags: Tags;
  /** The permissions boundary every role here carries (the deploy role may create no other). */
  permissionsBoundary: pulumi.Input<string>;
}

/**
 * CodeDeploy for the ECS service: application, service role, deployment configuration, and the
 * BLUE_GREEN deployment group with traffic control, automatic rollback on failure and on the
 * CloudWatch alarms declared here.
 */
export class CodeDeployBlueGreen extends pulumi.ComponentResource {
  readonly application: aws.codedeploy.Application;
  readonly deploymentGroup: aws.codedeploy.DeploymentGroup;
  readonly deploymentConfigName: pulumi.Output<string>;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** CodeDeploy's permissions: a deployment must not start before they exist. */
  readonly permissions: aws.iam.RolePolicy;

  constructor(name: string, args: CodeDeployBlueGreenArgs, opts?: pulumi.ComponentResourceOptions) {
    // Formerly "Release": the alias keeps its URN, and its children's, so a stack replaces nothing.
    super(
      "comments-platform:release:CodeDeployBlueGreen",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: "comments-platform:release:Release" }],
      },
    );
    const parent = { parent: this };
    const { settings } = args;
    if (
      settings.deploymentConfig !== "custom" &&
      !(DEPLOYMENT_CONFIGS as readonly string[]).includes(settings.deploymentConfig)
    ) {
      throw new Error(
        `CodeDeployBlueGreen ${name}: unknown deployment configuration ${settings.deploymentConfig}`,
      );
    }

    this.application = new aws.codedeploy.Application(
      `${name}-app`,
      {
        name,
        computePlatform: "ECS",
        tags: named(args.tags, name),
      },
      // Fixed name; a new compute platform replaces it, and only between deployments: delete first.
      { parent: this, deleteBeforeReplace: true },
    );
    const role = new aws.iam.Role(
      `${name}-codedeploy`,
      {
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("codedeploy.amazonaws.com")),
        permissionsBoundary: args.permissionsBoundary,
        description: "CodeDeploy: shift the comments API's traffic between blue and green",
        tags: named(args.tags, `${name}-codedeploy`),
      },
      parent,
    );
    this.permissions = new aws.iam.RolePolicy(
      `${name}-codedeploy`,
      {
        role: role.id,
        policy: pulumi
          .all([
            args.productionListenerArn,
            args.testListenerArn,
            pulumi.all(args.hookFunctionArns),
            pulumi.all(args.taskRoleArns),
          ])
          .apply(([production, test, hookFunctionArns, taskRoleArns]) =>
            JSON.stringify(
              codeDeployPolicy({ listenerArns: [production, test], hookFunctionArns, taskRoleArns }),
            ),
          ),
      },
      parent,
    );

    const { shift, terminationWaitMinutes } = settings.routing;
    this.deploymentConfigName =
      settings.deploymentConfig === "custom" && shift.kind === "canary"
        ? new aws.codedeploy.DeploymentConfig(
            `${name}-canary`,
            {
              // Every input replaces a deployment configuration; the name carries the percentage and
              // interval, so a new one never collides with the one in use.
              deploymentConfigName: deploymentConfigName(name, settings),
              computePlatform: "ECS",
              trafficRoutingConfig: {
                type: "TimeBasedCanary",
                timeBasedCanary: { percentage: shift.percent, interval: shift.intervalMinutes },
              },
            },
            parent,
          ).deploymentConfigName
        : pulumi.output(settings.deploymentConfig);

    this.alarms = rollbackAlarmResources(name, args, parent);

    this.deploymentGroup = new aws.codedeploy.DeploymentGroup(
      `${name}-group`,
      {
        appName: this.application.name,
        deploymentGroupName: name,
        serviceRoleArn: role.arn,
        deploymentConfigName: this.deploymentConfigName,
        deploymentStyle: { deploymentType: "BLUE_GREEN", deploymentOption: "WITH_TRAFFIC_CONTROL" },
        ecsService: { clusterName: args.clusterName, serviceName: args.serviceName },
        blueGreenDeploymentConfig: {
          deploymentReadyOption: { actionOnTimeout: "CONTINUE_DEPLOYMENT" },
          terminateBlueInstancesOnDeploymentSuccess: {
            action: "TERMINATE",
            terminationWaitTimeInMinutes: terminationWaitMinutes,
          },
        },
        loadBalancerInfo: {
          targetGroupPairInfo: {
            targetGroups: [{ name: args.blueTargetGroup.name }, { name: args.greenTargetGroup.name }],
            prodTrafficRoute: { listenerArns: [args.productionListenerArn] },
            testTrafficRoute: { listenerArns: [args.testListenerArn] },
          },
        },
        autoRollbackConfiguration: {
          enabled: true,
          events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
        },
        alarmConfiguration: { enabled: true, alarms: this.alarms.map((alarm) => alarm.name) },
        tags: named(args.tags, name),
      },
      // CreateDeploymentGroup checks the role's permissions on the service.
      // Fixed name (`pnpm release` finds it by name); changing the application replaces it: delete first.
      { parent: this, dependsOn: [this.permissions], deleteBeforeReplace: true },
    );
    this.registerOutputs({
      application: this.application.name,
      deploymentGroup: this.deploymentGroup.deploymentGroupName,
    });
  }
}
