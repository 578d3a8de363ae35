/**
 * The provider's calls for IAM Identity Center and what the Grafana workspace asks of it: the
 * operator permission set, its inline policy and its account assignments, and the Grafana role
 * associations (grafanaAdminGroups...). Each row cites the provider's file and function, or the AWS
 * page that states a dependent action.
 */
import { ACCOUNT } from "./engine";
import { arnOfType, type Scope, type TypeCalls, type Verb } from "./provider-calls";

const PERMISSION_SET = "aws:ssoadmin/permissionSet:PermissionSet";
const GRAFANA_PERMISSIONS =
  "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSGrafanaWorkspacePermissionManagement.html (UpdatePermissions with Identity Center users and groups, v4)";
const SSO = "terraform-provider-aws internal/service/ssoadmin";

type Row = [Verb, string, string, Record<string, string | string[]>?, string?];

/** The instance a resource names, and the permission set it is (or names). */
function ssoArns(scope: Scope): { instance: string; permissionSet: string; account: string } {
  const instance = String(scope.resource.inputs.instanceArn);
  const named = scope.resource.inputs.permissionSetArn;
  const permissionSet =
    scope.resource.type === PERMISSION_SET
      ? arnOfType(scope, PERMISSION_SET, scope.resource.name)
      : String(named);
  if (!permissionSet.startsWith("arn:aws:sso:::permissionSet/"))
    throw new Error(`${scope.resource.name}: permission set ${permissionSet} unresolved`);
  return { instance, permissionSet, account: `arn:aws:sso:::account/${ACCOUNT}` };
}

/**
 * One row per resource an action names: IAM authorizes an action with several required resource
 * types against each (Service Authorization Reference, "Required resources are indicated in the
 * table with an asterisk": the caller needs permission on every one).
 */
function onEach(verb: Verb, action: string, resources: string[], source?: string): Row[] {
  return resources.map(
    (resource): Row =>
      source === undefined ? [verb, action, resource, {}] : [verb, action, resource, {}, source],
  );
}

/** ProvisionPermissionSet on every provisioned account, and its status (permission_set.go provisionPermissionSet). */
function provision(verb: Verb, arns: ReturnType<typeof ssoArns>, fn: string): Row[] {
  const source = `${SSO}/permission_set.go provisionPermissionSet (from ${fn})`;
  return [
    ...onEach(verb, "sso:ProvisionPermissionSet", [arns.instance, arns.permissionSet, arns.account], source),
    ...onEach(verb, "sso:DescribePermissionSetProvisioningStatus", [arns.instance], source),
  ];
}

/** IAM Identity Center and Grafana's users: resource type → calls. */
export const IDENTITY_CENTER_CALLS: Record<string, TypeCalls> = {
  [PERMISSION_SET]: {
    file: "internal/service/ssoadmin/permission_set.go",
    fn: "PermissionSet",
    rows: (scope) => {
      const arns = ssoArns(scope);
      const both = [arns.instance, arns.permissionSet];
      const tags = `${SSO}/tags_gen.go listTags, updateTags (the resource's @Tags)`;
      return [
        ...onEach("create", "sso:CreatePermissionSet", both),
        ...onEach("read", "sso:DescribePermissionSet", both),
        ...onEach("read", "sso:ListTagsForResource", both, tags),
        ...onEach("update", "sso:UpdatePermissionSet", both),
        ...provision("update", arns, "resourcePermissionSetUpdate"),
        ...onEach("update", "sso:TagResource", both, tags),
        ...onEach("update", "sso:UntagResource", both, tags),
        ...onEach("delete", "sso:DeletePermissionSet", both),
      ];
    },
  },
  "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": {
    file: "internal/service/ssoadmin/permission_set_inline_policy.go",
    fn: "PermissionSetInlinePolicy",
    rows: (scope) => {
      const arns = ssoArns(scope);
      const both = [arns.instance, arns.permissionSet];
      const put = `${SSO}/permission_set_inline_policy.go resourcePermissionSetInlinePolicyPut`;
      return [
        ...onEach("create", "sso:PutInlinePolicyToPermissionSet", both, put),
        ...provision("create", arns, "resourcePermissionSetInlinePolicyPut"),
        ...onEach("read", "sso:GetInlinePolicyForPermissionSet", both),
        ...onEach("update", "sso:PutInlinePolicyToPermissionSet", both, put),
        ...provision("update", arns, "resourcePermissionSetInlinePolicyPut"),
        ...onEach("delete", "sso:DeleteInlinePolicyFromPermissionSet", both),
        ...provision("delete", arns, "resourcePermissionSetInlinePolicyDelete"),
      ];
    },
  },
  "aws:ssoadmin/accountAssignment:AccountAssignment": {
    file: "internal/service/ssoadmin/account_assignment.go",
    fn: "AccountAssignment",
    rows: (scope) => {
      const arns = ssoArns(scope);
      const all = [arns.instance, arns.permissionSet, arns.account];
      const find = `${SSO}/account_assignment.go findAccountAssignmentByFivePartKey`;
      return [
        // Create lists first: the API does not refuse a duplicate.
        ...onEach("create", "sso:ListAccountAssignments", all, find),
        ...onEach("create", "sso:CreateAccountAssignment", all),
        ...onEach(
          "create",
          "sso:DescribeAccountAssignmentCreationStatus",
          [arns.instance],
          `${SSO}/account_assignment.go waitAccountAssignmentCreated`,
        ),
        ...onEach("read", "sso:ListAccountAssignments", all, find),
        ...onEach("delete", "sso:DeleteAccountAssignment", all),
        ...onEach(
          "delete",
          "sso:DescribeAccountAssignmentDeletionStatus",
          [arns.instance],
          `${SSO}/account_assignment.go waitAccountAssignmentDeleted`,
        ),
      ];
    },
  },
  "aws:grafana/roleAssociation:RoleAssociation": {
    file: "internal/service/grafana/role_association.go",
    fn: "RoleAssociation",
    rows: (scope) => {
      const ws = arnOfType(scope, "aws:grafana/workspace:Workspace");
      const upsert =
        "terraform-provider-aws internal/service/grafana/role_association.go resourceRoleAssociationUpsert";
      return [
        ["create", "grafana:UpdatePermissions", ws, {}, upsert],
        ...[
          "sso:DescribeRegisteredRegions",
          "sso:GetSharedSsoConfiguration",
          "sso:ListDirectoryAssociations",
          "sso:GetManagedApplicationInstance",
          "sso:ListProfiles",
          "sso:GetProfile",
          "sso:ListProfileAssociations",
          "sso:AssociateProfile",
          "sso-directory:DescribeGroup",
        ].map((action) => ["create", action, "*", {}, GRAFANA_PERMISSIONS] as Row),
        [
          "read",
          "grafana:ListPermissions",
          ws,
          {},
          "terraform-provider-aws internal/service/grafana/find.go FindRoleAssociationsByRoleAndWorkspaceID",
        ],
        ["update", "grafana:UpdatePermissions", ws, {}, upsert],
        ["delete", "grafana:UpdatePermissions", ws],
        ["delete", "sso:DisassociateProfile", "*", {}, GRAFANA_PERMISSIONS],
      ];
    },
  },
};
