import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { APP_CONTAINER, appContainer, type ContainerDefinition } from "../documents/containers";
import type { EcsDeploymentConfiguration } from "../documents/ecs-deployment";
import { appTaskRolePolicy, assumeRolePolicy, executionRolePolicy } from "../documents/iam";
import { PLATFORM_VERSION } from "../release/plan";
import { DATABASE_NAME } from "./database";
import { named, type Tags } from "./tags";

/** What the service component needs: its settings, image, database, network and what it waits for. */
export interface ServiceArgs {
  settings: StackConfig["service"];
  /** The service's own limit per client per task (RATE_LIMIT_PER_MINUTE); 0: none. @default 0 */
  rateLimitPerMinute?: number;
  region: string;
  imageRef: pulumi.Input<string>;
  repositoryArn: pulumi.Input<string>;
  database: { host: pulumi.Input<string>; port: pulumi.Input<number>; secretArn: pulumi.Input<string> };
  privateSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  blueTargetGroupArn: pulumi.Input<string>;
  /** `app/<name>/<id>` and `targetgroup/<name>/<id>` of both colours, for request-based scaling. */
  albArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffixes: pulumi.Input<string>[];
  /** Containers that run beside the app (the metrics collector), given the log group's name. */
  sidecars?: (logGroupName: string) => pulumi.Input<ContainerDefinition>[];
  /** Inline policies of the task role, by name (the collector's remote write). */
  taskRolePolicies?: Record<string, pulumi.Input<string>>;
  /**
   * What the ECS service needs before it is created: the listeners that attach its target group to
   * the load balancer (CreateService refuses a target group that "does not have an associated load
   * balancer") and the security group rules its tasks and health checks use. Its role policies come
   * first too, as the provider's docs ask ("set dependsOn to the related aws.iam.RolePolicy":
   * https://www.pulumi.com/registry/packages/aws/api-docs/ecs/service/).
   */
  serviceDependsOn?: pulumi.Resource[];
  tags: Tags;
  /** The permissions boundary every role here carries (the deploy role may create no other). */
  permissionsBoundary: pulumi.Input<string>;
  /**
   * How releases reach the service: absent, a CodeDeploy deployment group (deployment controller
   * CODE_DEPLOY); given, ECS's own blue/green, canary or linear deployment (controller ECS) with
   * this configuration, these listener rules and roles, and these rollback alarms.
   * @default CODE_DEPLOY
   */
  ecs?: EcsDeploymentArgs;
}

/** The service's side of an ECS-native deployment (components/ecs-blue-green.ts makes the pieces). */
export interface EcsDeploymentArgs {
  deploymentConfiguration: pulumi.Input<EcsDeploymentConfiguration<pulumi.Input<string>>>;
  /** Green: where ECS starts the new revision's tasks (blue is `blueTargetGroupArn`). */
  alternateTargetGroupArn: pulumi.Input<string>;
  productionListenerRuleArn: pulumi.Input<string>;
  testListenerRuleArn: pulumi.Input<string>;
  /** The infrastructure role ECS moves traffic with. */
  loadBalancerRoleArn: pulumi.Input<string>;
  /**
   * The service's deployment alarms: ECS keeps one list, which judges every deployment whole, so
   * only alarms of neither colour (an alarm on the live colour would roll back its own fix).
   */
  alarmNames: pulumi.Input<string[]>;
}

/**
 * Fields ECS refuses to change on a CODE_DEPLOY service ("Use AWS CodeDeploy to trigger a new
 * deployment"), plus `desiredCount`, which autoscaling owns. A new task definition reaches the
 * service through a CodeDeploy deployment, never through UpdateService.
 */
export const SERVICE_IGNORE_CHANGES = [
  "taskDefinition",
  "loadBalancers",
  "networkConfiguration",
  "platformVersion",
  "desiredCount",
  "capacityProviderStrategies",
];

/** The service's CloudWatch log group: the app's and its sidecars' streams. */
export function logGroupName(serviceName: string): string {
  return `/ecs/${serviceName}`;
}

/** ECS cluster, log group, roles, task definition, the CODE_DEPLOY service and its autoscaling. */
export class Service extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly service: aws.ecs.Service;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly taskRole: aws.iam.Role;
  readonly executionRole: aws.iam.Role;
  /** The execution and task roles' policies: tasks must not start before they exist. */
  readonly permissions: aws.iam.RolePolicy[];

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:service:Service", name, {}, opts);
    const parent = { parent: this };
    const { settings, ecs } = args;

    this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      {
        // Fixed (the release finds it by name); the name is its only replacing input, so a
        // replacement is a rename and cannot collide.
        name,
        settings: [{ name: "containerInsights", value: "enabled" }],
        tags: named(args.tags, name),
      },
      parent,
    );
    if (settings.fargateSpot) {
      new aws.ecs.ClusterCapacityProviders(
        `${name}-capacity`,
        {
          clusterName: this.cluster.name,
          capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        },
        parent,
      );
    }
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        // Fixed (the awslogs driver names it); replaced only by a rename, which cannot collide.
        name: logGroupName(name),
        retentionInDays: settings.logRetentionDays,
        tags: named(args.tags, logGroupName(name)),
      },
      parent,
    );

    this.executionRole = new aws.iam.Role(
      `${name}-execution`,
      {
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("ecs-tasks.amazonaws.com")),
        permissionsBoundary: args.permissionsBoundary,
        description: "ECS: pull the comments API image, write its logs",
        tags: named(args.tags, `${name}-execution`),
      },
      parent,
    );
    const executionRole = this.executionRole;
    const executionPolicy = new aws.iam.RolePolicy(
      `${name}-execution`,
      {
        role: executionRole.id,
        policy: pulumi
          .all([args.repositoryArn, this.logGroup.arn])
          .apply(([repository, logGroup]) => JSON.stringify(executionRolePolicy({ repository, logGroup }))),
      },
      parent,
    );
    // The app reads its database secret itself (rotation); its sidecars' permissions come from the caller.
    this.taskRole = new aws.iam.Role(
      `${name}-task`,
      {
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("ecs-tasks.amazonaws.com")),
        permissionsBoundary: args.permissionsBoundary,
        description: "The comments API task's own identity",
        tags: named(args.tags, `${name}-task`),
      },
      parent,
    );
    const appPolicy = new aws.iam.RolePolicy(
      `${name}-task-app`,
      {
        role: this.taskRole.id,
        policy: pulumi
          .output(args.database.secretArn)
          .apply((databaseSecret) => JSON.stringify(appTaskRolePolicy({ databaseSecret }))),
      },
      parent,
    );
    this.permissions = [
      executionPolicy,
      appPolicy,
      ...Object.entries(args.taskRolePolicies ?? {}).map(
        ([policyName, policy]) =>
          new aws.iam.RolePolicy(`${name}-task-${policyName}`, { role: this.taskRole.id, policy }, parent),
      ),
    ];

    const sidecars: pulumi.Input<ContainerDefinition>[] = args.sidecars?.(logGroupName(name)) ?? [];
    const containers = pulumi
      .all([
        args.imageRef,
        this.logGroup.name,
        args.database.host,
        args.database.port,
        args.database.secretArn,
        pulumi.all(sidecars),
      ])
      .apply(([image, logGroup, host, port, secretArn, sidecars]) =>
        JSON.stringify([
          appContainer({
            image,
            containerPort: settings.containerPort,
            logGroup,
            region: args.region,
            database: { host, port, name: DATABASE_NAME, secretArn },
            rateLimitPerMinute: args.rateLimitPerMinute ?? 0,
          }),
          ...sidecars,
        ]),
      );
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: name,
        cpu: String(settings.cpu),
        memory: String(settings.memory),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { cpuArchitecture: settings.cpuArchitecture, operatingSystemFamily: "LINUX" },
        executionRoleArn: executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions: containers,
        // Rollback needs the previous revision ACTIVE: a replaced revision is never deregistered.
        skipDestroy: true,
        tags: named(args.tags, `${name}-task`),
      },
      parent,
    );

    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        name,
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: settings.minTasks,
        ...(ecs === undefined
          ? { deploymentController: { type: "CODE_DEPLOY" } }
          : {
              // The provider updates the controller in place (UpdateService deploymentController;
              // terraform-provider-aws internal/service/ecs/service.go resourceServiceUpdate, no
              // ForceNew on deployment_controller.type): docs/ecs-native.md, migration.
              deploymentController: { type: "ECS" },
              deploymentConfiguration: ecs.deploymentConfiguration,
              // Rollback on the alarms
              // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html);
              // the release reads this list and sends it, or turns it off for --ignore-alarms
              // (release/ecs-deployer.ts), and the next `pulumi up` puts it back.
              // No deploymentCircuitBreaker: ECS takes it "only for services using the rolling
              // update" strategy (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html);
              // a blue/green, canary or linear deployment rolls back when a lifecycle hook answers
              // FAILED (the smoke test, the judge) or an alarm fires, and the release's deadline
              // stops one whose tasks never get healthy.
              alarms: { enable: true, rollback: true, alarmNames: ecs.alarmNames },
            }),
        ...(settings.fargateSpot
          ? { capacityProviderStrategies: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }
          : { launchType: "FARGATE" }),
        platformVersion: PLATFORM_VERSION,
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        // CODE_DEPLOY: only blue, CodeDeploy moves the service between the target groups of its
        // deployment group. ECS: blue, with green as the alternate, the two rules and the role ECS
        // shifts them with (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html).
        loadBalancers: [
          {
            targetGroupArn: args.blueTargetGroupArn,
            containerName: APP_CONTAINER,
            containerPort: settings.containerPort,
            ...(ecs === undefined
              ? {}
              : {
                  advancedConfiguration: {
                    alternateTargetGroupArn: ecs.alternateTargetGroupArn,
                    productionListenerRule: ecs.productionListenerRuleArn,
                    testListenerRule: ecs.testListenerRuleArn,
                    roleArn: ecs.loadBalancerRoleArn,
                  },
                }),
          },
        ],
        healthCheckGracePeriodSeconds: 30,
        propagateTags: "SERVICE",
        enableEcsManagedTags: true,
        waitForSteadyState: false,
        tags: named(args.tags, name),
      },
      {
        parent: this,
        // The same under ECS: the task definition, network and target groups reach the service
        // through the release's UpdateService, never through `pulumi up` (whose UpdateService would
        // start a deployment outside the release), and ECS moves blue and green itself.
        ignoreChanges: SERVICE_IGNORE_CHANGES,
        // Its name is fixed (CodeDeploy's group, `pnpm release` and the contract name it), and a
        // change of launch type or capacity providers replaces it: delete first, or the new one
        // collides with the old name. A replacement is an outage either way.
        deleteBeforeReplace: true,
        dependsOn: [...this.permissions, ...(args.serviceDependsOn ?? [])],
      },
    );

    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
        minCapacity: settings.minTasks,
        maxCapacity: settings.maxTasks,
        tags: named(args.tags, `${name}-scaling`),
      },
      parent,
    );
    new aws.appautoscaling.Policy(
      `${name}-cpu`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: settings.cpuTargetPercent,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleInCooldown: 120,
          scaleOutCooldown: 60,
        },
      },
      parent,
    );
    // Requests per task across both colours. The predefined ALBRequestCountPerTarget names one
    // target group, and after a deployment the traffic is on the other one: scaling would read 0
    // and scale in under load. Metric math sums both groups and divides by the running tasks.
    new aws.appautoscaling.Policy(
      `${name}-requests`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: settings.requestsPerTarget,
          scaleInCooldown: 120,
          scaleOutCooldown: 60,
          customizedMetricSpecification: {
            metrics: [
              ...args.targetGroupArnSuffixes.map((suffix, i) => ({
                id: `requests${i}`,
                returnData: false,
                metricStat: {
                  stat: "Sum",
                  metric: {
                    namespace: "AWS/ApplicationELB",
                    metricName: "RequestCount",
                    dimensions: [
                      { name: "LoadBalancer", value: args.albArnSuffix },
                      { name: "TargetGroup", value: suffix },
                    ],
                  },
                },
              })),
              {
                id: "tasks",
                returnData: false,
                metricStat: {
                  stat: "Average",
                  metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                      { name: "ClusterName", value: this.cluster.name },
                      { name: "ServiceName", value: this.service.name },
                    ],
                  },
                },
              },
              {
                id: "requestsPerTask",
                label: "ALB requests per task per minute, both target groups",
                returnData: true,
                expression: `(${args.targetGroupArnSuffixes.map((_, i) => `FILL(requests${i}, 0)`).join(" + ")}) / tasks`,
              },
            ],
          },
        },
      },
      parent,
    );
    this.registerOutputs({ clusterName: this.cluster.name, serviceName: this.service.name });
  }
}
