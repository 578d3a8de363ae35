import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { NatStrategy } from "../config";
import { type SubnetTier, subnetCidr } from "../documents/subnets";
import { named, type Tags } from "./tags";

/** `items[index]`, or a clear error instead of `undefined` flowing into a resource. */
function pick<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`Network: no item ${index} among ${items.length}`);
  return item;
}

/** What the network component needs: the VPC block, zones and NAT strategy. */
export interface NetworkArgs {
  vpcCidr: string;
  availabilityZoneCount: number;
  natStrategy: NatStrategy;
  tags: Tags;
}

/**
 * VPC over N availability zones: public subnets (ALB, NAT gateways), private subnets (tasks, egress
 * through NAT), isolated subnets (database, no route out). Plain `aws` resources rather than awsx,
 * so every subnet and route is visible to the tests and to `pnpm synth`.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly isolatedSubnetIds: pulumi.Output<string>[];
  /** Public addresses of the NAT gateways: the tasks' (and the smoke hook's) source IPs. */
  readonly natPublicIps: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:network:Network", name, {}, opts);
    if (args.availabilityZoneCount < 2 || args.availabilityZoneCount > 3) {
      throw new Error(
        `Network ${name}: availabilityZoneCount must be 2 or 3, got ${args.availabilityZoneCount}`,
      );
    }
    const parent = { parent: this };
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent).names;
    const zoneCount = args.availabilityZoneCount;
    const zoneIndexes = Array.from({ length: zoneCount }, (_, i) => i);

    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.vpcCidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: named(args.tags, `${name}-vpc`),
      },
      parent,
    );
    const gateway = new aws.ec2.InternetGateway(
      `${name}-igw`,
      { vpcId: this.vpc.id, tags: named(args.tags, `${name}-igw`) },
      parent,
    );

    const subnets = (tier: SubnetTier) =>
      zoneIndexes.map(
        (i) =>
          new aws.ec2.Subnet(
            `${name}-${tier}-${i}`,
            {
              vpcId: this.vpc.id,
              cidrBlock: subnetCidr(args.vpcCidr, tier, i),
              availabilityZone: zones.apply((names) => names[i] ?? `missing-zone-${i}`),
              mapPublicIpOnLaunch: false,
              tags: named({ ...args.tags, tier }, `${name}-${tier}-${i}`),
            },
            parent,
          ),
      );
    const publicSubnets = subnets("public");
    const privateSubnets = subnets("private");
    const isolatedSubnets = subnets("isolated");

    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: this.vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
        tags: named(args.tags, `${name}-public`),
      },
      parent,
    );
    publicSubnets.forEach((subnet, i) => {
      new aws.ec2.RouteTableAssociation(
        `${name}-public-${i}`,
        { subnetId: subnet.id, routeTableId: publicRoutes.id },
        parent,
      );
    });

    const natCount = args.natStrategy === "onePerAz" ? zoneCount : 1;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const address = new aws.ec2.Eip(
        `${name}-nat-${i}`,
        { domain: "vpc", tags: named(args.tags, `${name}-nat-${i}`) },
        parent,
      );
      const nat = new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        {
          subnetId: pick(publicSubnets, i).id,
          allocationId: address.id,
          tags: named(args.tags, `${name}-nat-${i}`),
        },
        { parent: this, dependsOn: [gateway] },
      );
      return { nat, address };
    });

    const privateRoutes = privateSubnets.map((subnet, i) => {
      const table = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        {
          vpcId: this.vpc.id,
          // Each zone's tasks leave through their own zone's NAT gateway when there is one.
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: pick(nats, i % nats.length).nat.id }],
          tags: named(args.tags, `${name}-private-${i}`),
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: table.id },
        parent,
      );
      return table;
    });
    const isolatedRoutes = new aws.ec2.RouteTable(
      `${name}-isolated`,
      {
        vpcId: this.vpc.id,
        tags: named(args.tags, `${name}-isolated`),
      },
      parent,
    );
    isolatedSubnets.forEach((subnet, i) => {
      new aws.ec2.RouteTableAssociation(
        `${name}-isolated-${i}`,
        { subnetId: subnet.id, routeTableId: isolatedRoutes.id },
        parent,
      );
    });

    // S3 through a gateway endpoint: ECR image layers come from S3, free of NAT data charges.
    new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${aws.getRegionOutput({}, parent).region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRoutes.map((t) => t.id), isolatedRoutes.id],
        tags: named(args.tags, `${name}-s3`),
      },
      parent,
    );

    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);
    this.natPublicIps = nats.map(({ address }) => address.publicIp);
    this.registerOutputs({ vpcId: this.vpc.id, privateSubnetIds: this.privateSubnetIds });
  }
}
