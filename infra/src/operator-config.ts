/**
 * `identityCenterInstanceArn` and `operatorGroups`: the stack's operator permission set
 * (documents/operator.ts) and the IAM Identity Center groups it is assigned to in the stack's
 * account. Both unset: no permission set (an account without Identity Center deploys as before).
 */
import type { Reader } from "./config/reader";
import { INSTANCE_ARN, OPERATOR_SESSION } from "./documents/operator";

/** The operator permission set: where it lives and who gets it. */
export interface OperatorAccess {
  /** The Identity Center instance; undefined: no permission set. */
  instanceArn?: string;
  /** Identity Center group ids assigned the permission set in the stack's account. @default [] */
  groups: string[];
  /** The permission set's session duration. */
  sessionDuration: string;
}

/** IAM Identity Center group ids (identitystore GroupId, as the Grafana groups). */
const GROUP_ID =
  /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;

/** Reads and checks the two keys; problems go to the reader. */
export function operatorAccessOf(read: Reader): OperatorAccess {
  const instanceArn = read.optionalString("identityCenterInstanceArn");
  const groups = read.stringList("operatorGroups", []);
  if (instanceArn !== undefined && !INSTANCE_ARN.test(instanceArn)) {
    // The pattern of InstanceArn
    // (https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreatePermissionSet.html);
    // `aws sso-admin list-instances` prints it.
    read.problem(
      "identityCenterInstanceArn",
      instanceArn,
      "must be an IAM Identity Center instance ARN, like arn:aws:sso:::instance/ssoins-0123456789abcdef (aws sso-admin list-instances)",
    );
  }
  for (const id of groups) {
    if (!GROUP_ID.test(id))
      read.problem(
        "operatorGroups",
        id,
        "must be IAM Identity Center group ids, like 906754a2-c0a1-70a3-9e5c-1f0e3a7b8c9d",
      );
  }
  if (groups.length > 0 && instanceArn === undefined) {
    read.problems.push(
      "operatorGroups: assigns the operator permission set, which lives in an IAM Identity Center instance; set identityCenterInstanceArn too (aws sso-admin list-instances)",
    );
  }
  return {
    ...(instanceArn === undefined ? {} : { instanceArn }),
    groups,
    sessionDuration: OPERATOR_SESSION,
  };
}
