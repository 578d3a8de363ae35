/** Each rule with a violating and a passing resource, and both stacks' declared resources pass every rule. */
import { describe, expect, it } from "vitest";
import { type PolicyResource, RULES, violations } from "../policy/rules";
import { synth } from "../src/synth/run";

const tags = { project: "comments-platform", stack: "prod", owner: "t", "cost-centre": "c" };
const resource = (type: string, props: Record<string, unknown>, stack = "prod"): PolicyResource => ({
  type,
  name: "r",
  props,
  stack,
});
const messages = (r: PolicyResource, ruleName: string) => {
  const rule = RULES.find((candidate) => candidate.name === ruleName);
  if (rule === undefined) throw new Error(`no rule ${ruleName}`);
  const found: string[] = [];
  rule.validate(r, (message) => found.push(message));
  return found;
};
const container = (extra: Record<string, unknown>) =>
  JSON.stringify([{ name: "app", readonlyRootFilesystem: true, user: "1000:1000", ...extra }]);

// Each of these passed every test once: a one-line change to a rule must fail one.
describe("policy rules at their edges", () => {
  it.each(["0", "0:0", "root:root", "root", ""])("refuses the container user %j", (user) => {
    expect(
      messages(
        resource("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: container({ user }) }),
        "hardened-containers",
      ),
    ).toEqual([`container app: user must be set and not root, got ${JSON.stringify(user)}`]);
  });

  it("accepts the image's non-root user", () => {
    expect(
      messages(
        resource("aws:ecs/taskDefinition:TaskDefinition", {
          containerDefinitions: container({ user: "1000:1000" }),
        }),
        "hardened-containers",
      ),
    ).toEqual([]);
  });

  it("refuses ingress open to every IPv6 address, as a rule resource or inline", () => {
    expect(
      messages(
        resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
          cidrIpv6: "::/0",
          fromPort: 22,
          toPort: 22,
        }),
        "no-internet-ingress",
      ),
    ).toEqual(["ports 22-22 are open to ::/0"]);
    expect(
      messages(
        resource("aws:ec2/securityGroup:SecurityGroup", {
          ingress: [{ ipv6CidrBlocks: ["::/0"], fromPort: 5432, toPort: 5432 }],
        }),
        "no-internet-ingress",
      ),
    ).toEqual(["ports 5432-5432 are open to ::/0"]);
  });
});

describe("policy rules", () => {
  it.each([
    [
      "ecr-immutable-scanned",
      resource("aws:ecr/repository:Repository", {
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
      }),
      ["imageTagMutability must be IMMUTABLE"],
    ],
    [
      "ecr-immutable-scanned",
      resource("aws:ecr/repository:Repository", {
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
      }),
      [],
    ],
    [
      "no-public-ip-tasks",
      resource("aws:ecs/service:Service", { networkConfiguration: { assignPublicIp: true } }),
      ["networkConfiguration.assignPublicIp must not be true"],
    ],
    [
      "no-public-ip-tasks",
      resource("aws:ecs/service:Service", { networkConfiguration: { assignPublicIp: false } }),
      [],
    ],
    [
      "hardened-containers",
      resource("aws:ecs/taskDefinition:TaskDefinition", {
        containerDefinitions: container({ user: "root", readonlyRootFilesystem: false }),
      }),
      [
        "container app: readonlyRootFilesystem must be true",
        'container app: user must be set and not root, got "root"',
      ],
    ],
    [
      "hardened-containers",
      resource("aws:ecs/taskDefinition:TaskDefinition", { containerDefinitions: container({}) }),
      [],
    ],
    [
      "https-in-prod",
      resource("aws:lb/listener:Listener", {
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "forward" }],
      }),
      ["listener on port 80 serves HTTP: prod listeners serve HTTPS or redirect to it"],
    ],
    [
      "https-in-prod",
      resource("aws:lb/listener:Listener", {
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS" } }],
      }),
      [],
    ],
    [
      "https-in-prod",
      resource(
        "aws:lb/listener:Listener",
        { port: 80, protocol: "HTTP", defaultActions: [{ type: "forward" }] },
        "stage",
      ),
      [],
    ],
    [
      "no-internet-ingress",
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        cidrIpv4: "0.0.0.0/0",
        fromPort: 5432,
        toPort: 5432,
      }),
      ["ports 5432-5432 are open to 0.0.0.0/0"],
    ],
    [
      "no-internet-ingress",
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", {
        cidrIpv4: "0.0.0.0/0",
        fromPort: 443,
        toPort: 443,
      }),
      [],
    ],
    [
      "no-internet-ingress",
      resource("aws:ec2/securityGroup:SecurityGroup", {
        ingress: [{ cidrBlocks: ["0.0.0.0/0"], fromPort: 22, toPort: 22 }],
      }),
      ["ports 22-22 are open to 0.0.0.0/0"],
    ],
    [
      "rds-hardened",
      resource("aws:rds/instance:Instance", {
        storageEncrypted: false,
        publiclyAccessible: true,
        multiAz: false,
        deletionProtection: false,
      }),
      [
        "storageEncrypted must be true",
        "publiclyAccessible must not be true",
        "prod databases must be Multi-AZ",
        "prod databases must have deletion protection",
      ],
    ],
    [
      "rds-hardened",
      resource(
        "aws:rds/instance:Instance",
        { storageEncrypted: true, publiclyAccessible: false, multiAz: false, deletionProtection: false },
        "stage",
      ),
      [],
    ],
    [
      "no-star-star-iam",
      resource("aws:iam/rolePolicy:RolePolicy", {
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: ["*"] }] }),
      }),
      ["a statement allows action * on resource *"],
    ],
    [
      "no-star-star-iam",
      resource("aws:iam/rolePolicy:RolePolicy", {
        policy: JSON.stringify({
          Statement: [{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" }],
        }),
      }),
      [],
    ],
    [
      "codedeploy-alarm-rollback",
      resource("aws:codedeploy/deploymentGroup:DeploymentGroup", {
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] },
        alarmConfiguration: { enabled: false },
      }),
      [
        "autoRollbackConfiguration must be enabled with DEPLOYMENT_STOP_ON_ALARM",
        "alarmConfiguration must be enabled with at least one alarm",
      ],
    ],
    [
      "codedeploy-alarm-rollback",
      resource("aws:codedeploy/deploymentGroup:DeploymentGroup", {
        autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_STOP_ON_ALARM"] },
        alarmConfiguration: { enabled: true, alarms: ["a"] },
      }),
      [],
    ],
    [
      "ecs-alarm-rollback",
      resource("aws:ecs/service:Service", {
        deploymentController: { type: "ECS" },
        alarms: { enable: true, rollback: false, alarmNames: ["a"] },
        deploymentConfiguration: { strategy: "ROLLING" },
      }),
      [
        "alarms must be enabled with rollback and at least one alarm",
        "deploymentConfiguration.strategy must be BLUE_GREEN, CANARY or LINEAR (a test listener to smoke-test on)",
        "a lifecycle hook must run at POST_TEST_TRAFFIC_SHIFT (the smoke test)",
      ],
    ],
    [
      "ecs-alarm-rollback",
      resource("aws:ecs/service:Service", {
        deploymentController: { type: "ECS" },
        alarms: { enable: true, rollback: true, alarmNames: ["a"] },
        deploymentConfiguration: {
          strategy: "CANARY",
          lifecycleHooks: [{ lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }],
        },
      }),
      [],
    ],
    // A CODE_DEPLOY service's alarms are the deployment group's (codedeploy-alarm-rollback).
    [
      "ecs-alarm-rollback",
      resource("aws:ecs/service:Service", { deploymentController: { type: "CODE_DEPLOY" } }),
      [],
    ],
    ["log-retention", resource("aws:cloudwatch/logGroup:LogGroup", {}), ["retentionInDays must be set"]],
    ["log-retention", resource("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 14 }), []],
    [
      "required-tags",
      resource("aws:ec2/vpc:Vpc", { tags: { project: "x" } }),
      ["tags missing: stack, owner, cost-centre"],
    ],
    ["required-tags", resource("aws:ec2/vpc:Vpc", { tags }), []],
    [
      "required-tags",
      resource("aws:ec2/vpc:Vpc", { tags: { ...tags, stack: "stage" } }),
      ['tag stack is "stage"; this stack is "prod"'],
    ],
    ["required-tags", resource("aws:iam/rolePolicy:RolePolicy", {}), []],
  ])("%s: %j reports %j", (ruleName, input, expected) => {
    expect(messages(input, ruleName)).toEqual(expected);
  });
});

describe("what the stacks declare", () => {
  // One program run per process (the program is a module): prod here; stage in policy-stage.test.ts.
  it("passes every rule in prod", async () => {
    const result = await synth({ stack: "prod", preview: false });
    expect(result.resources.length).toBeGreaterThan(100);
    expect(
      violations(
        result.resources.map((r) => ({ type: r.type, name: r.name, props: r.inputs, stack: "prod" })),
      ),
    ).toEqual([]);
  });
});
