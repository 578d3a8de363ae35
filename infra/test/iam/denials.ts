/**
 * What a stack's deploy role must never do, whatever the services it manages allow: each row a
 * call an attacker with the stage deploy's credentials (no approval needed) would try, and the
 * decision that must hold. Explicit where the isolation policy denies, implicit where nothing allows.
 */
import type { SynthResult } from "../../src/synth/run";
import { arnOf } from "./arns";
import { stateArns } from "./calls-state";
import { ACCOUNT, type Call, type Decision, REGION } from "./engine";

/** A call that must be refused, and how. */
export interface Denial extends Call {
  expected: Exclude<Decision, "Allowed" | `error: ${string}`>;
}

const ISOLATION = "bootstrap/documents.ts stackIsolationPolicy";
const DEPLOY = "bootstrap/documents.ts deployPolicy";

/** The denials of `stack`'s deploy role, with `other` the other stack. */
export function deployDenials(bootstrap: SynthResult, stack: string, other: string): Denial[] {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const boundary = (s: string) => `arn:aws:iam::${ACCOUNT}:policy/comments-platform-${s}-boundary`;
  const own = role(`comments-api-${stack}-task-0000000`);
  const theirs = role(`comments-api-${other}-task-0000000`);
  const mine = { "aws:ResourceTag/stack": stack };
  const { bucket, stateKey, stackKey } = stateArns(bootstrap, stack);
  const otherKey = stateArns(bootstrap, other).stackKey;
  const provider = bootstrap.resources.find(
    (r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  );
  const oidc = provider === undefined ? undefined : arnOf(provider, bootstrap.resources);
  const permissionSet = (id: string) => `arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/${id}`;
  const d = (
    expected: Denial["expected"],
    action: string,
    resource: string,
    context: Record<string, string>,
    source: string,
  ): Denial => ({ expected, action, resource, context, source });
  return [
    // Roles: only with the stack's boundary, never without, never another's; never lose it.
    d(
      "ImplicitlyDenied",
      "iam:CreateRole",
      own,
      {},
      `${DEPLOY} CreateRolesOnlyWithTheBoundary (no boundary)`,
    ),
    d(
      "ImplicitlyDenied",
      "iam:CreateRole",
      own,
      { "iam:PermissionsBoundary": boundary(other) },
      `${DEPLOY} (another stack's boundary)`,
    ),
    d(
      "ImplicitlyDenied",
      "iam:PutRolePermissionsBoundary",
      own,
      { "iam:PermissionsBoundary": `arn:aws:iam::${ACCOUNT}:policy/AdminBoundary` },
      DEPLOY,
    ),
    d("ExplicitlyDenied", "iam:DeleteRolePermissionsBoundary", own, mine, `${DEPLOY} KeepTheBoundary`),
    d(
      "ImplicitlyDenied",
      "iam:AttachRolePolicy",
      own,
      { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" },
      `${DEPLOY} (no managed attachments)`,
    ),
    d(
      "ImplicitlyDenied",
      "iam:CreatePolicyVersion",
      boundary(stack),
      {},
      `${DEPLOY} (the boundary is the bootstrap's)`,
    ),
    // PassRole: only the stack's roles, only to the services they serve.
    d(
      "ImplicitlyDenied",
      "iam:PassRole",
      own,
      { "iam:PassedToService": "ec2.amazonaws.com" },
      `${DEPLOY} PassOnlyTheStacksRoles`,
    ),
    d(
      "ImplicitlyDenied",
      "iam:PassRole",
      role("some-admin-role"),
      { "iam:PassedToService": "lambda.amazonaws.com" },
      `${DEPLOY} PassOnlyTheStacksRoles`,
    ),
    d(
      "ExplicitlyDenied",
      "iam:PassRole",
      theirs,
      { "iam:PassedToService": "ecs-tasks.amazonaws.com", "aws:ResourceTag/stack": other },
      ISOLATION,
    ),
    // The other stack's roles, resources and tags.
    d(
      "ExplicitlyDenied",
      "iam:PutRolePolicy",
      theirs,
      { "aws:ResourceTag/stack": other },
      `${ISOLATION} DenyOtherStacksResources`,
    ),
    d("ImplicitlyDenied", "iam:PutRolePolicy", theirs, {}, `${DEPLOY} ManageTheStacksRoles (another prefix)`),
    d(
      "ExplicitlyDenied",
      "ec2:DeleteVpc",
      `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/vpc-0123456789abcdef0`,
      { "aws:ResourceTag/stack": other },
      `${ISOLATION} DenyOtherStacksResources`,
    ),
    d(
      "ExplicitlyDenied",
      "rds:DeleteDBInstance",
      `arn:aws:rds:${REGION}:${ACCOUNT}:db:comments-api-${other}`,
      { "aws:ResourceTag/stack": other },
      `${ISOLATION} DenyOtherStacksResources`,
    ),
    d(
      "ExplicitlyDenied",
      "ec2:CreateVpc",
      `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/*`,
      { "aws:RequestTag/stack": other },
      `${ISOLATION} DenyTaggingAsOtherStacks`,
    ),
    // The other stack's state and keys.
    d(
      "ExplicitlyDenied",
      "s3:GetObject",
      `${bucket}/.pulumi/stacks/comments-platform/${other}.json`,
      {},
      `${ISOLATION} DenyOtherStacksState`,
    ),
    d(
      "ExplicitlyDenied",
      "s3:PutObject",
      `${bucket}/.pulumi/locks/organization/comments-platform/${other}/x.json`,
      {},
      `${ISOLATION} DenyOtherStacksState`,
    ),
    d("ExplicitlyDenied", "kms:Decrypt", otherKey, {}, `${ISOLATION} DenyOtherStacksSecrets`),
    // What the bootstrap owns.
    d("ExplicitlyDenied", "s3:PutBucketPolicy", bucket, {}, `${ISOLATION} ProtectStateBucket`),
    d("ExplicitlyDenied", "kms:ScheduleKeyDeletion", stateKey, {}, `${ISOLATION} ProtectBootstrapKeys`),
    d("ExplicitlyDenied", "kms:PutKeyPolicy", stackKey, {}, `${ISOLATION} ProtectBootstrapKeys`),
    d(
      "ExplicitlyDenied",
      "iam:PutRolePolicy",
      role(`comments-platform-${stack}-deploy`),
      {},
      `${ISOLATION} ProtectBootstrapIdentity (its own role)`,
    ),
    d(
      "ExplicitlyDenied",
      "iam:UpdateAssumeRolePolicy",
      role(`comments-platform-${other}-deploy`),
      {},
      `${ISOLATION} ProtectBootstrapIdentity`,
    ),
    ...(oidc === undefined
      ? []
      : [
          d(
            "ExplicitlyDenied",
            "iam:UpdateOpenIDConnectProviderThumbprint",
            oidc,
            {},
            `${ISOLATION} ProtectBootstrapIdentity`,
          ),
        ]),
    // IAM Identity Center: the stack's own permission set, assigned in this account, an inline
    // policy only; nothing `sso:*` used to allow beyond that.
    d(
      "ImplicitlyDenied",
      "sso:PutInlinePolicyToPermissionSet",
      permissionSet("ps-adminsadminsadm"),
      {},
      `${DEPLOY} ManageTheStacksPermissionSets (an administrator's permission set: no stack tag)`,
    ),
    d(
      "ExplicitlyDenied",
      "sso:PutInlinePolicyToPermissionSet",
      permissionSet("ps-otherstackother"),
      { "aws:ResourceTag/stack": other },
      `${ISOLATION} DenyOtherStacksResources`,
    ),
    d(
      "ImplicitlyDenied",
      "sso:AttachManagedPolicyToPermissionSet",
      permissionSet("ps-thisstackthisst"),
      mine,
      `${DEPLOY} (no managed policy on a permission set: AdministratorAccess)`,
    ),
    d(
      "ImplicitlyDenied",
      "sso:CreateAccountAssignment",
      "arn:aws:sso:::account/444455556666",
      {},
      `${DEPLOY} AssignInTheStacksAccount (another account)`,
    ),
    d(
      "ExplicitlyDenied",
      "sso:CreatePermissionSet",
      permissionSet("ps-newnewnewnewnew"),
      { "aws:RequestTag/stack": other },
      `${ISOLATION} DenyTaggingAsOtherStacks`,
    ),
    d(
      "ImplicitlyDenied",
      "sso:DeleteInstance",
      "arn:aws:sso:::instance/ssoins-0123456789abcdef",
      {},
      `${DEPLOY} (no sso:*)`,
    ),
    // No long-lived credentials, no reaching out of the account's services.
    d(
      "ExplicitlyDenied",
      "iam:CreateUser",
      `arn:aws:iam::${ACCOUNT}:user/backdoor`,
      {},
      `${ISOLATION} NoLongLivedCredentials`,
    ),
    d(
      "ExplicitlyDenied",
      "iam:CreateAccessKey",
      `arn:aws:iam::${ACCOUNT}:user/backdoor`,
      {},
      `${ISOLATION} NoLongLivedCredentials`,
    ),
    d(
      "ImplicitlyDenied",
      "organizations:LeaveOrganization",
      "*",
      {},
      `${DEPLOY} (DescribeOrganization only)`,
    ),
    d(
      "ImplicitlyDenied",
      "s3:CreateBucket",
      "arn:aws:s3:::exfiltration",
      {},
      `${DEPLOY} (no S3 beyond the state)`,
    ),
  ];
}
