/**
 * The policy rules, as plain functions: kept apart from `new PolicyPack(...)` (index.ts) so they are
 * tested without the Pulumi CLI, on hand-made resources and on everything `pnpm synth` declares.
 * A value still unknown at preview time ("[unknown]", or undefined from the engine) is not judged:
 * the same rules run again at update, when it is known.
 */

export interface PolicyResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  stack: string;
}

/** A policy rule as a plain function, apart from the pack, so tests call it directly. */
export interface Rule {
  name: string;
  description: string;
  validate: (resource: PolicyResource, report: (message: string) => void) => void;
}

/** The tags every taggable resource carries. */
export const REQUIRED_TAGS = ["project", "stack", "owner", "cost-centre"] as const;

/** AWS resource types that take no `tags`; every other `aws:` resource must carry REQUIRED_TAGS. */
export const UNTAGGABLE = new Set([
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:appautoscaling/policy:Policy",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
  "aws:codedeploy/deploymentConfig:DeploymentConfig",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:grafana/workspaceServiceAccount:WorkspaceServiceAccount",
  "aws:grafana/workspaceServiceAccountToken:WorkspaceServiceAccountToken",
  "aws:wafv2/webAclAssociation:WebAclAssociation",
  "aws:grafana/roleAssociation:RoleAssociation",
  "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
  "aws:ssoadmin/accountAssignment:AccountAssignment",
]);

const unknown = (value: unknown) => value === undefined || value === "[unknown]";
const json = (value: unknown): unknown => {
  if (typeof value !== "string" || value === "[unknown]") return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
};
const INTERNET = new Set(["0.0.0.0/0", "::/0"]);

/** Every rule the policy pack enforces, in the order it reports them. */
export const RULES: Rule[] = [
  {
    name: "ecr-immutable-scanned",
    description: "ECR repositories have immutable tags and scan on push.",
    validate: ({ type, props }, report) => {
      if (type !== "aws:ecr/repository:Repository") return;
      if (props.imageTagMutability !== "IMMUTABLE") report("imageTagMutability must be IMMUTABLE");
      const scan = props.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
      if (scan?.scanOnPush !== true) report("imageScanningConfiguration.scanOnPush must be true");
    },
  },
  {
    name: "no-public-ip-tasks",
    description: "ECS services give their tasks no public IP.",
    validate: ({ type, props }, report) => {
      if (type !== "aws:ecs/service:Service") return;
      const network = props.networkConfiguration as { assignPublicIp?: boolean } | undefined;
      if (network?.assignPublicIp === true) report("networkConfiguration.assignPublicIp must not be true");
    },
  },
  {
    name: "hardened-containers",
    description: "Task containers run with a read-only root filesystem as a non-root user.",
    validate: ({ type, props }, report) => {
      if (type !== "aws:ecs/taskDefinition:TaskDefinition") return;
      const containers = json(props.containerDefinitions) as Array<Record<string, unknown>> | undefined;
      for (const container of containers ?? []) {
        if (container.readonlyRootFilesystem !== true)
          report(`container ${container.name}: readonlyRootFilesystem must be true`);
        const user = typeof container.user === "string" ? container.user : "";
        if (user === "" || /^(0|root)(:|$)/.test(user))
          report(`container ${container.name}: user must be set and not root, got ${JSON.stringify(user)}`);
      }
    },
  },
  {
    name: "https-in-prod",
    description: "In prod, load balancer listeners serve HTTPS or redirect to it.",
    validate: ({ type, props, stack }, report) => {
      if (type !== "aws:lb/listener:Listener" || stack !== "prod") return;
      if (props.protocol === "HTTPS") return;
      const actions = props.defaultActions as
        | Array<{ type?: string; redirect?: { protocol?: string } }>
        | undefined;
      if (unknown(actions)) return;
      const redirects =
        actions?.every((a) => a.type === "redirect" && a.redirect?.protocol === "HTTPS") ?? false;
      if (!redirects)
        report(
          `listener on port ${props.port} serves ${props.protocol}: prod listeners serve HTTPS or redirect to it`,
        );
    },
  },
  {
    name: "no-internet-ingress",
    description: "Nothing is open to the internet but HTTP and HTTPS (the load balancer's ports).",
    validate: ({ type, props }, report) => {
      const check = (cidr: unknown, from: unknown, to: unknown) => {
        if (typeof cidr !== "string" || !INTERNET.has(cidr)) return;
        if (!((from === 80 && to === 80) || (from === 443 && to === 443)))
          report(`ports ${from}-${to} are open to ${cidr}`);
      };
      if (type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
        check(props.cidrIpv4 ?? props.cidrIpv6, props.fromPort, props.toPort);
      }
      if (type === "aws:ec2/securityGroup:SecurityGroup") {
        for (const rule of (props.ingress as
          | Array<{ cidrBlocks?: string[]; ipv6CidrBlocks?: string[]; fromPort?: number; toPort?: number }>
          | undefined) ?? []) {
          for (const cidr of [...(rule.cidrBlocks ?? []), ...(rule.ipv6CidrBlocks ?? [])])
            check(cidr, rule.fromPort, rule.toPort);
        }
      }
    },
  },
  {
    name: "rds-hardened",
    description: "Databases are encrypted and private; in prod Multi-AZ and deletion-protected.",
    validate: ({ type, props, stack }, report) => {
      if (type !== "aws:rds/instance:Instance") return;
      if (props.storageEncrypted !== true) report("storageEncrypted must be true");
      if (props.publiclyAccessible === true) report("publiclyAccessible must not be true");
      if (stack === "prod" && props.multiAz !== true) report("prod databases must be Multi-AZ");
      if (stack === "prod" && props.deletionProtection !== true)
        report("prod databases must have deletion protection");
    },
  },
  {
    name: "no-star-star-iam",
    description: "No IAM statement allows every action on every resource.",
    validate: ({ type, props }, report) => {
      if (!["aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"].includes(type)) return;
      const document = json(props.policy) as
        | { Statement?: Array<{ Effect?: string; Action?: unknown; Resource?: unknown }> }
        | undefined;
      const all = (value: unknown) => value === "*" || (Array.isArray(value) && value.includes("*"));
      for (const statement of document?.Statement ?? []) {
        if (statement.Effect === "Allow" && all(statement.Action) && all(statement.Resource))
          report("a statement allows action * on resource *");
      }
    },
  },
  {
    name: "codedeploy-alarm-rollback",
    description: "CodeDeploy deployment groups roll back on alarms.",
    validate: ({ type, props }, report) => {
      if (type !== "aws:codedeploy/deploymentGroup:DeploymentGroup") return;
      const rollback = props.autoRollbackConfiguration as
        | { enabled?: boolean; events?: string[] }
        | undefined;
      if (rollback?.enabled !== true || !(rollback.events ?? []).includes("DEPLOYMENT_STOP_ON_ALARM")) {
        report("autoRollbackConfiguration must be enabled with DEPLOYMENT_STOP_ON_ALARM");
      }
      const alarms = props.alarmConfiguration as { enabled?: boolean; alarms?: unknown[] } | undefined;
      if (alarms?.enabled !== true || (alarms.alarms ?? []).length === 0)
        report("alarmConfiguration must be enabled with at least one alarm");
    },
  },
  {
    name: "ecs-alarm-rollback",
    description:
      "An ECS-controlled service (releaseStrategy ecs) rolls back on alarms and runs the smoke hook on test traffic.",
    validate: ({ type, props }, report) => {
      if (type !== "aws:ecs/service:Service") return;
      const controller = props.deploymentController as { type?: string } | undefined;
      if (controller?.type !== "ECS") return;
      // ECS's alarm rollback (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html).
      const alarms = props.alarms as
        | { enable?: boolean; rollback?: boolean; alarmNames?: unknown[] }
        | undefined;
      if (alarms?.enable !== true || alarms.rollback !== true || (alarms.alarmNames ?? []).length === 0)
        report("alarms must be enabled with rollback and at least one alarm");
      const configuration = props.deploymentConfiguration as
        | { strategy?: string; lifecycleHooks?: Array<{ lifecycleStages?: string[] }> }
        | undefined;
      if (unknown(configuration)) return;
      if (!["BLUE_GREEN", "CANARY", "LINEAR"].includes(configuration?.strategy ?? ""))
        report(
          "deploymentConfiguration.strategy must be BLUE_GREEN, CANARY or LINEAR (a test listener to smoke-test on)",
        );
      if (
        !(configuration?.lifecycleHooks ?? []).some((hook) =>
          (hook.lifecycleStages ?? []).includes("POST_TEST_TRAFFIC_SHIFT"),
        )
      )
        report("a lifecycle hook must run at POST_TEST_TRAFFIC_SHIFT (the smoke test)");
    },
  },
  {
    name: "log-retention",
    description: "Log groups expire their logs.",
    validate: ({ type, props }, report) => {
      if (type !== "aws:cloudwatch/logGroup:LogGroup") return;
      if (typeof props.retentionInDays !== "number" || props.retentionInDays <= 0)
        report("retentionInDays must be set");
    },
  },
  {
    name: "required-tags",
    description: `Taggable resources carry ${REQUIRED_TAGS.join(", ")}, and their stack tag names this stack.`,
    validate: ({ type, props, stack }, report) => {
      if (!type.startsWith("aws:") || UNTAGGABLE.has(type)) return;
      const tags = props.tags as Record<string, unknown> | undefined;
      if (unknown(tags)) {
        if (tags === undefined) report(`tags missing: ${REQUIRED_TAGS.join(", ")}`);
        return;
      }
      const missing = REQUIRED_TAGS.filter((key) => typeof tags?.[key] !== "string" || tags[key] === "");
      if (missing.length > 0) report(`tags missing: ${missing.join(", ")}`);
      // The deploy roles of other stacks are denied resources by this tag (bootstrap isolation).
      if (typeof tags?.stack === "string" && tags.stack !== "" && tags.stack !== stack)
        report(`tag stack is ${JSON.stringify(tags.stack)}; this stack is ${JSON.stringify(stack)}`);
    },
  },
];

/** Every violation of every rule, as `rule: type name: message`. */
export function violations(resources: readonly PolicyResource[]): string[] {
  const found: string[] = [];
  for (const resource of resources) {
    for (const rule of RULES)
      rule.validate(resource, (message) =>
        found.push(`${rule.name}: ${resource.type} ${resource.name}: ${message}`),
      );
  }
  return found;
}
