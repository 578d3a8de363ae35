import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { operatorPermissionSetName, operatorPolicy } from "../documents/operator";
import type { OperatorAccess } from "../operator-config";
import { named, type Tags } from "./tags";

/** What the operator's permission set names: the stack's resources and where it is assigned. */
export interface OperatorArgs {
  settings: OperatorAccess & { instanceArn: string };
  stack: string;
  region: string;
  /** The stack's account: the permission set's policy names it, and the groups are assigned in it. */
  accountId: pulumi.Input<string>;
  workspaceArn: pulumi.Input<string>;
  logGroups: pulumi.Input<string>[];
  contractParameterArn: pulumi.Input<string>;
  /** `releaseStrategy: ecs`: the hook role the release passes ECS. @default a CodeDeploy release */
  ecsHookRoleArn?: pulumi.Input<string>;
  tags: Tags;
}

/**
 * The stack's operator: an IAM Identity Center permission set with an inline policy
 * (documents/operator.ts), assigned to each group of `operatorGroups` in the stack's account. Its
 * members sign in through the AWS access portal and get a role of that name in the account
 * (https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html).
 */
export class Operator extends pulumi.ComponentResource {
  readonly permissionSet: aws.ssoadmin.PermissionSet;

  constructor(name: string, args: OperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:access:Operator", name, {}, opts);
    const parent = { parent: this };
    const { instanceArn } = args.settings;
    const permissionSetName = operatorPermissionSetName(name);
    this.permissionSet = new aws.ssoadmin.PermissionSet(
      `${name}-operator`,
      {
        instanceArn,
        name: permissionSetName,
        description: `Release, roll back and read ${name}; no infrastructure change`,
        sessionDuration: args.settings.sessionDuration,
        tags: named(args.tags, permissionSetName),
      },
      parent,
    );
    // Put with the permission set, then provisioned to every account it is assigned in
    // (terraform-provider-aws internal/service/ssoadmin/permission_set_inline_policy.go,
    // resourcePermissionSetInlinePolicyPut: ProvisionPermissionSet on ALL_PROVISIONED_ACCOUNTS).
    const policy = new aws.ssoadmin.PermissionSetInlinePolicy(
      `${name}-operator`,
      {
        instanceArn,
        permissionSetArn: this.permissionSet.arn,
        inlinePolicy: pulumi
          .all([
            args.accountId,
            args.workspaceArn,
            pulumi.all(args.logGroups),
            args.contractParameterArn,
            args.ecsHookRoleArn,
          ])
          .apply(([accountId, workspaceArn, logGroups, contractParameterArn, ecsHookRoleArn]) =>
            JSON.stringify(
              operatorPolicy({
                stack: args.stack,
                region: args.region,
                accountId,
                baseName: name,
                workspaceArn,
                logGroups,
                contractParameterArn,
                ...(ecsHookRoleArn === undefined ? {} : { ecsHookRoleArn }),
              }),
            ),
          ),
      },
      parent,
    );
    // One assignment per group, in this account only (CreateAccountAssignment, TargetType
    // AWS_ACCOUNT: https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html).
    for (const groupId of args.settings.groups) {
      new aws.ssoadmin.AccountAssignment(
        `${name}-operator-${groupId}`,
        {
          instanceArn,
          permissionSetArn: this.permissionSet.arn,
          principalId: groupId,
          principalType: "GROUP",
          targetId: args.accountId,
          targetType: "AWS_ACCOUNT",
        },
        // After the policy: a member never signs in to a permission set without it.
        { parent: this, dependsOn: [policy] },
      );
    }
    this.registerOutputs({});
  }
}
