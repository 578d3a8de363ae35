/**
 * Every security group rule of the stack, as data: the components turn each into one
 * `aws.vpc.SecurityGroup{Ingress,Egress}Rule`, and the tests compare this table whole.
 * Four groups: the load balancer, the service's tasks, the database, the smoke-test hook Lambda.
 */
export type GroupName = "alb" | "service" | "database" | "smoke";

/** `C`: how a CIDR is given (a string here; a Pulumi input in the component, for NAT addresses). */
export interface FirewallRule<C = string> {
  /** Stable, unique: the resource name suffix. */
  name: string;
  group: GroupName;
  direction: "ingress" | "egress";
  port: number;
  /** Another group, or an IPv4 CIDR. */
  peer: { group: GroupName } | { cidr: C | string };
  description: string;
}

/** What the stack's security group rules are built from. */
export interface FirewallInput<C = string> {
  containerPort: number;
  /** HTTPS on 443 with HTTP redirecting, or plain HTTP on 80 only. */
  https: boolean;
  testListenerPort: number;
  /** Configured CIDRs plus each NAT gateway's public address as /32 (the smoke-test hook's path). */
  testListenerSources: C[];
}

/** Every security group rule of the stack, as data. */
export function firewallRules<C = string>(input: FirewallInput<C>): FirewallRule<C>[] {
  const internet = { cidr: "0.0.0.0/0" };
  const rules: FirewallRule<C>[] = [
    {
      name: "alb-http",
      group: "alb",
      direction: "ingress",
      port: 80,
      peer: internet,
      description: input.https ? "HTTP, redirected to HTTPS" : "HTTP from the internet",
    },
  ];
  if (input.https) {
    rules.push({
      name: "alb-https",
      group: "alb",
      direction: "ingress",
      port: 443,
      peer: internet,
      description: "HTTPS from the internet",
    });
  }
  input.testListenerSources.forEach((cidr, index) => {
    rules.push({
      name: `alb-test-${index}`,
      group: "alb",
      direction: "ingress",
      port: input.testListenerPort,
      peer: { cidr },
      description: "Blue/green test listener",
    });
  });
  rules.push(
    {
      name: "alb-to-service",
      group: "alb",
      direction: "egress",
      port: input.containerPort,
      peer: { group: "service" },
      description: "To the service's tasks",
    },
    {
      name: "service-from-alb",
      group: "service",
      direction: "ingress",
      port: input.containerPort,
      peer: { group: "alb" },
      description: "From the load balancer only",
    },
    {
      name: "service-to-database",
      group: "service",
      direction: "egress",
      port: 5432,
      peer: { group: "database" },
      description: "PostgreSQL",
    },
    // ECR, Secrets Manager, CloudWatch Logs and Prometheus remote write, through the NAT gateways.
    {
      name: "service-https-out",
      group: "service",
      direction: "egress",
      port: 443,
      peer: internet,
      description: "AWS APIs over HTTPS",
    },
    {
      name: "database-from-service",
      group: "database",
      direction: "ingress",
      port: 5432,
      peer: { group: "service" },
      description: "From the service's tasks only",
    },
    // The hook reaches the ALB's public test listener through the NAT gateways, and CodeDeploy's API.
    {
      name: "smoke-to-test-listener",
      group: "smoke",
      direction: "egress",
      port: input.testListenerPort,
      peer: internet,
      description: "To the blue/green test listener",
    },
    {
      name: "smoke-https-out",
      group: "smoke",
      direction: "egress",
      port: 443,
      peer: internet,
      description: "CodeDeploy API over HTTPS",
    },
  );
  return rules;
}
