import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import {
  assumeRolePolicy,
  ecsHookInvokePolicy,
  ecsLoadBalancerPolicy,
  judgeHookPolicy,
} from "../documents/iam";
import { rollbackAlarmResources } from "./rollback-alarms";
import { named, type Tags } from "./tags";

/** The judge hook's function: its code, its handler and the `hookDetails` ECS passes it. */
export interface JudgeHookArgs {
  code: string;
  handler: string;
  /** The lifecycle hook's `hookDetails` (JSON): the analysis and where to query. */
  hookDetails: pulumi.Input<string>;
  /** The stack's Prometheus workspace, which the judge queries. */
  workspaceArn: pulumi.Input<string>;
  /**
   * The service's revisions, `arn:aws:ecs:<region>:<account>:service-revision/<cluster>/<service>/*`:
   * the judge reads the two revisions' task definitions (ecs-hook-handler.ts DescribeServiceRevisionsCommand).
   */
  serviceRevisions: pulumi.Input<string>;
  /** The User-Agent of its queries (release/user-agent.ts). */
  userAgent: string;
  /** Seconds one invocation may run: one look at Prometheus. */
  timeoutSeconds: number;
}

/** What ECS's own blue/green needs: both target groups, both listeners, the hooks, the alarms' topic. */
export interface EcsBlueGreenArgs {
  stack: string;
  settings: StackConfig["release"];
  blueTargetGroup: { arn: pulumi.Input<string>; arnSuffix: pulumi.Input<string> };
  greenTargetGroup: { arn: pulumi.Input<string>; arnSuffix: pulumi.Input<string> };
  albArnSuffix: pulumi.Input<string>;
  productionListenerArn: pulumi.Input<string>;
  testListenerArn: pulumi.Input<string>;
  /** Where the rollback alarms notify (besides rolling back). */
  alarmTopicArn: pulumi.Input<string>;
  /** The smoke hook's function (SmokeHook, invoked by ECS). */
  smokeFunctionArn: pulumi.Input<string>;
  /** The SLO canary judge, when the stack judges its canary. @default no judge hook */
  judge?: JudgeHookArgs;
  tags: Tags;
  /** The permissions boundary every role here carries (the deploy role may create no other). */
  permissionsBoundary: pulumi.Input<string>;
}

/**
 * Listener rules ECS rewrites: the weights of their forward action move traffic between blue and
 * green (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/alb-resources-for-blue-green.html).
 * The program must not put them back.
 */
export const LISTENER_RULE_IGNORE_CHANGES = ["actions"];

/**
 * The pieces of an ECS-native blue/green, canary or linear deployment that are not the service
 * itself: the production and test listener rules ECS shifts, the infrastructure role it shifts them
 * with, the role it invokes the lifecycle hooks with, the SLO judge hook, and the rollback alarms.
 * No CodeDeploy resource.
 */
export class EcsBlueGreen extends pulumi.ComponentResource {
  readonly productionRule: aws.lb.ListenerRule;
  readonly testRule: aws.lb.ListenerRule;
  /** The role ECS uses to register tasks and move the rules' weights. */
  readonly loadBalancerRole: aws.iam.Role;
  /** The role ECS assumes to invoke the hooks. */
  readonly hookRole: aws.iam.Role;
  readonly judge: aws.lambda.Function | undefined;
  /** The judge hook's `hookDetails` (JSON), when there is a judge. */
  readonly judgeHookDetails: pulumi.Output<string> | undefined;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  /** The roles' policies: the service must not be created or updated before they exist. */
  readonly permissions: aws.iam.RolePolicy[];

  constructor(name: string, args: EcsBlueGreenArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:release:EcsBlueGreen", name, {}, opts);
    const parent = { parent: this };

    // All traffic of each listener through one rule whose forward action weighs blue against green;
    // ECS moves the weights. Priority 1 of a listener of their own: before the default action.
    const rule = (kind: "production" | "test", listenerArn: pulumi.Input<string>) =>
      new aws.lb.ListenerRule(
        `${name}-${kind}-rule`,
        {
          listenerArn,
          priority: 1,
          conditions: [{ pathPattern: { values: ["/*"] } }],
          actions: [
            {
              type: "forward",
              forward: {
                targetGroups: [
                  { arn: args.blueTargetGroup.arn, weight: 100 },
                  { arn: args.greenTargetGroup.arn, weight: 0 },
                ],
              },
            },
          ],
          tags: named(args.tags, `${name}-${kind}-rule`),
        },
        { parent: this, ignoreChanges: LISTENER_RULE_IGNORE_CHANGES },
      );
    this.productionRule = rule("production", args.productionListenerArn);
    this.testRule = rule("test", args.testListenerArn);

    this.loadBalancerRole = new aws.iam.Role(
      `${name}-ecs-load-balancers`,
      {
        // The trust of ECS's infrastructure role for load balancers (AmazonECSInfrastructureRolePolicyForLoadBalancers.html).
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("ecs.amazonaws.com")),
        permissionsBoundary: args.permissionsBoundary,
        description:
          "ECS: register the comments API's tasks and shift its listener rules between blue and green",
        tags: named(args.tags, `${name}-ecs-load-balancers`),
      },
      parent,
    );
    const loadBalancerPolicy = new aws.iam.RolePolicy(
      `${name}-ecs-load-balancers`,
      {
        role: this.loadBalancerRole.id,
        policy: pulumi
          .all([
            args.blueTargetGroup.arn,
            args.greenTargetGroup.arn,
            args.productionListenerArn,
            args.testListenerArn,
            this.productionRule.arn,
            this.testRule.arn,
          ])
          .apply(([blue, green, production, test, productionRule, testRule]) =>
            JSON.stringify(
              ecsLoadBalancerPolicy({
                targetGroups: [blue, green],
                listeners: [production, test],
                rules: [productionRule, testRule],
              }),
            ),
          ),
      },
      parent,
    );

    const permissions = [loadBalancerPolicy];
    if (args.judge !== undefined) {
      const judge = args.judge;
      const functionName = `${name}-judge`;
      const role = new aws.iam.Role(
        `${name}-judge`,
        {
          assumeRolePolicy: JSON.stringify(assumeRolePolicy("lambda.amazonaws.com")),
          permissionsBoundary: args.permissionsBoundary,
          description: "SLO canary judge hook: query the stack's Prometheus, write its logs",
          tags: named(args.tags, `${name}-judge`),
        },
        parent,
      );
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-judge`,
        {
          // Lambda writes to /aws/lambda/<function name>; replaced only by a rename.
          name: `/aws/lambda/${functionName}`,
          retentionInDays: 30,
          tags: named(args.tags, `/aws/lambda/${functionName}`),
        },
        parent,
      );
      const judgePolicy = new aws.iam.RolePolicy(
        `${name}-judge`,
        {
          role: role.id,
          policy: pulumi
            .all([logGroup.arn, judge.workspaceArn, judge.serviceRevisions])
            .apply(([logGroupArn, workspace, serviceRevisions]) =>
              JSON.stringify(judgeHookPolicy({ logGroup: logGroupArn, workspace, serviceRevisions })),
            ),
        },
        parent,
      );
      permissions.push(judgePolicy);
      this.judge = new aws.lambda.Function(
        `${name}-judge`,
        {
          name: functionName,
          runtime: "nodejs22.x",
          handler: judge.handler,
          role: role.arn,
          code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(judge.code) }),
          timeout: judge.timeoutSeconds,
          memorySize: 256,
          environment: { variables: { USER_AGENT: judge.userAgent } },
          tags: named(args.tags, functionName),
        },
        { ...parent, dependsOn: [judgePolicy] },
      );
      this.judgeHookDetails = pulumi.output(judge.hookDetails);
    } else {
      this.judge = undefined;
      this.judgeHookDetails = undefined;
    }

    this.hookRole = new aws.iam.Role(
      `${name}-ecs-hooks`,
      {
        // The hook role's trust: ECS assumes it to invoke the functions
        // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html).
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("ecs.amazonaws.com")),
        permissionsBoundary: args.permissionsBoundary,
        description: "ECS: invoke the comments API's deployment lifecycle hooks",
        tags: named(args.tags, `${name}-ecs-hooks`),
      },
      parent,
    );
    permissions.push(
      new aws.iam.RolePolicy(
        `${name}-ecs-hooks`,
        {
          role: this.hookRole.id,
          policy: pulumi
            .all([args.smokeFunctionArn, this.judge?.arn])
            .apply(([smoke, judgeArn]) =>
              JSON.stringify(
                ecsHookInvokePolicy({ functions: judgeArn === undefined ? [smoke] : [smoke, judgeArn] }),
              ),
            ),
        },
        parent,
      ),
    );
    this.permissions = permissions;

    // The alarms were the CodeDeploy component's children: the alias keeps their URNs, so a stack
    // that moves to `ecs` keeps its alarms instead of creating same-named ones and deleting the old.
    this.alarms = rollbackAlarmResources(name, args, {
      parent: this,
      aliases: [
        {
          parent: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::comments-platform:release:CodeDeployBlueGreen::${name}`,
        },
      ],
    });
    this.registerOutputs({
      productionRule: this.productionRule.arn,
      testRule: this.testRule.arn,
    });
  }
}
