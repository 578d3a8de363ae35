import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type FirewallInput, firewallRules, type GroupName } from "../documents/firewall";
import { named, type Tags } from "./tags";

/** What the firewall component needs: the VPC, the ports and who may reach the test listener. */
export interface FirewallArgs extends Omit<FirewallInput, "testListenerSources"> {
  vpcId: pulumi.Input<string>;
  testListenerCidrs: string[];
  natPublicIps: pulumi.Input<string>[];
  tags: Tags;
}

/** The three security groups and every rule between them, from `firewallRules`. */
export class Firewall extends pulumi.ComponentResource {
  readonly groups: Record<GroupName, aws.ec2.SecurityGroup>;
  /** Every rule, by the group it belongs to: what uses a group depends on its rules. */
  readonly rules: Record<GroupName, pulumi.Resource[]>;

  constructor(name: string, args: FirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:network:Firewall", name, {}, opts);
    const parent = { parent: this };
    const group = (role: GroupName, description: string) =>
      new aws.ec2.SecurityGroup(
        `${name}-${role}`,
        {
          vpcId: args.vpcId,
          description,
          // Rules are separate resources; no inline rules, so none is silently replaced.
          tags: named(args.tags, `${name}-${role}`),
        },
        parent,
      );
    this.groups = {
      alb: group("alb", "Load balancer: HTTP(S) from the internet, test listener from allowed sources"),
      service: group("service", "Service tasks: from the load balancer only"),
      database: group("database", "Database: from the service's tasks only"),
      smoke: group("smoke", "Smoke-test hook: out to the test listener and CodeDeploy only"),
    };

    // NAT addresses are known only after creation: each becomes a /32 source of the test listener.
    const rules = firewallRules<pulumi.Input<string>>({
      containerPort: args.containerPort,
      https: args.https,
      testListenerPort: args.testListenerPort,
      testListenerSources: [
        ...args.testListenerCidrs,
        ...args.natPublicIps.map((ip) => pulumi.interpolate`${ip}/32`),
      ],
    });
    this.rules = { alb: [], service: [], database: [], smoke: [] };
    for (const rule of rules) {
      const peer =
        "group" in rule.peer
          ? { referencedSecurityGroupId: this.groups[rule.peer.group].id }
          : { cidrIpv4: rule.peer.cidr };
      const common = {
        securityGroupId: this.groups[rule.group].id,
        ipProtocol: "tcp",
        fromPort: rule.port,
        toPort: rule.port,
        description: rule.description,
        tags: named(args.tags, `${name}-${rule.name}`),
        ...peer,
      };
      this.rules[rule.group].push(
        rule.direction === "ingress"
          ? new aws.vpc.SecurityGroupIngressRule(`${name}-${rule.name}`, common, parent)
          : new aws.vpc.SecurityGroupEgressRule(`${name}-${rule.name}`, common, parent),
      );
    }
    this.registerOutputs({});
  }
}
