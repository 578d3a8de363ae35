import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, type Tags } from "./tags";

/** What the load balancer component needs: network, ports, certificate and the service's name. */
export interface LoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<string>[];
  securityGroupId: pulumi.Input<string>;
  containerPort: number;
  certificateArn: string | undefined;
  testListenerPort: number;
  /** The name clients use (covered by the certificate). @default the ALB's DNS name */
  domainName?: string | undefined;
  /** A Route 53 zone to create `domainName`'s alias record in. @default none */
  hostedZoneId?: string | undefined;
  tags: Tags;
}

/**
 * Listener default actions CodeDeploy rewrites when it shifts traffic between blue and green
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-bluegreen.html): the
 * program must not put them back.
 */
export const LISTENER_IGNORE_CHANGES = ["defaultActions"];

/** Internet-facing ALB, the blue and green target groups, the production and test listeners. */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly alb: aws.lb.LoadBalancer;
  readonly blueTargetGroup: aws.lb.TargetGroup;
  readonly greenTargetGroup: aws.lb.TargetGroup;
  readonly productionListener: aws.lb.Listener;
  readonly testListener: aws.lb.Listener;
  /** Where clients go: `https://<domainName>`, or the ALB's own name over HTTP without a certificate. */
  readonly url: pulumi.Output<string>;
  /** Where the smoke test reaches green: the same name, on the test listener's port. */
  readonly testListenerUrl: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:service:LoadBalancer", name, {}, opts);
    const parent = { parent: this };
    this.alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        internal: false,
        loadBalancerType: "application",
        subnets: args.publicSubnetIds,
        securityGroups: [args.securityGroupId],
        dropInvalidHeaderFields: true,
        // Above the ALB's 60 s idle timeout the service's 72 s keep-alive stays the longer one.
        idleTimeout: 60,
        tags: named(args.tags, `${name}-alb`),
      },
      parent,
    );

    const targetGroup = (colour: "blue" | "green") =>
      new aws.lb.TargetGroup(
        `${name}-${colour}`,
        {
          vpcId: args.vpcId,
          targetType: "ip",
          port: args.containerPort,
          protocol: "HTTP",
          // Short: tasks drain in-flight requests themselves on SIGTERM.
          deregistrationDelay: 15,
          // Shallow: /healthz answers 200 while the process serves, whatever the database does. A
          // deep check would turn every target unhealthy in a database outage and ECS would replace
          // every task (https://aws.amazon.com/builders-library/implementing-health-checks/). The
          // smoke test checks /readyz.
          healthCheck: {
            path: "/healthz",
            matcher: "200",
            interval: 10,
            timeout: 5,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
          },
          tags: named({ ...args.tags, colour }, `${name}-${colour}`),
        },
        parent,
      );
    this.blueTargetGroup = targetGroup("blue");
    this.greenTargetGroup = targetGroup("green");

    const forwardToBlue = [{ type: "forward", targetGroupArn: this.blueTargetGroup.arn }];
    const listenerOptions = { parent: this, ignoreChanges: LISTENER_IGNORE_CHANGES };
    const https = args.certificateArn !== undefined;
    const tls = https
      ? {
          protocol: "HTTPS",
          certificateArn: args.certificateArn,
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        }
      : { protocol: "HTTP" };
    if (https) {
      new aws.lb.Listener(
        `${name}-http-redirect`,
        {
          loadBalancerArn: this.alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
          ],
          tags: named(args.tags, `${name}-http-redirect`),
        },
        parent,
      );
    }
    this.productionListener = new aws.lb.Listener(
      `${name}-production`,
      {
        loadBalancerArn: this.alb.arn,
        port: https ? 443 : 80,
        ...tls,
        defaultActions: forwardToBlue,
        tags: named(args.tags, `${name}-production`),
      },
      listenerOptions,
    );
    this.testListener = new aws.lb.Listener(
      `${name}-test`,
      {
        loadBalancerArn: this.alb.arn,
        port: args.testListenerPort,
        ...tls,
        defaultActions: forwardToBlue,
        tags: named(args.tags, `${name}-test`),
      },
      listenerOptions,
    );
    if (args.hostedZoneId !== undefined && args.domainName !== undefined) {
      // An alias A record: Route 53 answers with the ALB's current addresses
      // (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-elb-load-balancer.html).
      new aws.route53.Record(
        `${name}-dns`,
        {
          zoneId: args.hostedZoneId,
          name: args.domainName,
          type: "A",
          aliases: [{ name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true }],
        },
        parent,
      );
    }
    // TLS is verified against a name the certificate covers; the ALB's own DNS name
    // (*.elb.amazonaws.com) is never on an ACM certificate for the service's domain.
    const host = args.domainName === undefined ? this.alb.dnsName : pulumi.output(args.domainName);
    const scheme = https ? "https" : "http";
    this.url = pulumi.interpolate`${scheme}://${host}`;
    this.testListenerUrl = pulumi.interpolate`${scheme}://${host}:${args.testListenerPort}`;
    this.registerOutputs({ url: this.url, testListenerUrl: this.testListenerUrl });
  }
}
