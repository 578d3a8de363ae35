import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { assumeRolePolicy, smokeHookPolicy } from "../documents/iam";
import { smokeHookName } from "../release/appspec";
import { SMOKE_HOOK_TIMEOUT_SECONDS } from "../release/plan";
import { smokeHookCode } from "../release/smoke-code";
import { named, type Tags } from "./tags";

/** What the smoke hook needs: where green answers and its subnets. */
export interface SmokeHookArgs {
  stack: string;
  region: string;
  /** Where the hook calls green: `http(s)://<alb>:<test port>`. */
  testListenerUrl: pulumi.Input<string>;
  /** The User-Agent of its requests, naming the release it tests (release/user-agent.ts). */
  userAgent: string;
  privateSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  tags: Tags;
  /** The permissions boundary every role here carries (the deploy role may create no other). */
  permissionsBoundary: pulumi.Input<string>;
  /**
   * Who invokes the hook: CodeDeploy's AfterAllowTestTraffic (smoke-handler.ts, reporting with
   * PutLifecycleEventHookExecutionStatus), or ECS at POST_TEST_TRAFFIC_SHIFT (ecs-hook-handler.ts,
   * answering with its return value). The function keeps its name, so a change of release strategy
   * updates it in place. @default codedeploy
   */
  invokedBy?: { strategy: "codedeploy" } | { strategy: "ecs"; code: string; handler: string };
}

/**
 * The AfterAllowTestTraffic Lambda, named `CodeDeployHook_<stack>_smoke`: CodeDeploy's inline policy
 * lets it invoke this one function (documents/iam.ts, codeDeployPolicy).
 */
export class SmokeHook extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  /** What the hook may do: a release must not start before it exists. */
  readonly permissions: aws.iam.RolePolicy;
  /** Where the hook's invocations log (the operator reads it). */
  readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: SmokeHookArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:release:SmokeHook", name, {}, opts);
    const parent = { parent: this };
    const functionName = smokeHookName(args.stack);
    const invokedBy = args.invokedBy ?? { strategy: "codedeploy" };
    const role = new aws.iam.Role(
      `${name}-smoke`,
      {
        assumeRolePolicy: JSON.stringify(assumeRolePolicy("lambda.amazonaws.com")),
        permissionsBoundary: args.permissionsBoundary,
        description: "Smoke-test hook: run in the VPC, write its logs, report to one deployment group",
        tags: named(args.tags, `${name}-smoke`),
      },
      parent,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-smoke`,
      {
        // Lambda writes to /aws/lambda/<function name>; replaced only by a rename.
        name: `/aws/lambda/${functionName}`,
        retentionInDays: 30,
        tags: named(args.tags, `/aws/lambda/${functionName}`),
      },
      parent,
    );
    this.logGroup = logGroup;
    // Inline, not the managed AWSLambdaVPCAccessExecutionRole: see smokeHookPolicy.
    this.permissions = new aws.iam.RolePolicy(
      `${name}-smoke`,
      {
        role: role.id,
        policy: logGroup.arn.apply((logGroupArn) =>
          JSON.stringify(smokeHookPolicy({ logGroup: logGroupArn }, invokedBy.strategy)),
        ),
      },
      parent,
    );
    this.function = new aws.lambda.Function(
      `${name}-smoke`,
      {
        // Fixed: the AppSpec names the hook. Only a rename replaces a function.
        name: functionName,
        runtime: "nodejs22.x",
        handler: invokedBy.strategy === "ecs" ? invokedBy.handler : "index.handler",
        role: role.arn,
        code: new pulumi.asset.AssetArchive({
          "index.js": new pulumi.asset.StringAsset(
            invokedBy.strategy === "ecs" ? invokedBy.code : smokeHookCode(),
          ),
        }),
        timeout: SMOKE_HOOK_TIMEOUT_SECONDS,
        memorySize: 256,
        environment: { variables: { TEST_LISTENER_URL: args.testListenerUrl, USER_AGENT: args.userAgent } },
        vpcConfig: { subnetIds: args.privateSubnetIds, securityGroupIds: [args.securityGroupId] },
        tags: named(args.tags, functionName),
      },
      // CreateFunction checks the role's network-interface permissions when the function has a
      // VPC config (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html): the inline
      // policy must exist first.
      { ...parent, dependsOn: [this.permissions] },
    );
    this.registerOutputs({ functionName: this.function.name });
  }
}
