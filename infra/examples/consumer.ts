/**
 * Another team's Pulumi program reading the comments platform's contract, as they would write it:
 * `@comments-platform/contract` installed from its tarball, the contract read from SSM (works from
 * any backend and, with a provider for the reader role, from another account). A test packs the
 * package, installs it into a scratch project with this file, type-checks it and runs it under
 * Pulumi mocks (infra/test/contract-package.test.ts); `pnpm typecheck` checks it against the source.
 */
import { readContract } from "@comments-platform/contract/pulumi";
import * as aws from "@pulumi/aws";

const contract = readContract("prod");

/** Your service's security group, in the comments API's VPC (security group references need one VPC). */
export const reportingSecurityGroup = new aws.ec2.SecurityGroup("reporting", {
  vpcId: contract.vpcId,
  description: "Reporting service: calls the comments API, is called by its tasks",
});

// Calling the comments API: its load balancer is internet-facing, so from private subnets the calls
// leave through your NAT gateway and reach it from a public address, never from your security group
// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme).
// It listens on the port of `url`: 443 with a certificate, else 80.
export const commentsApiPort = contract.url.apply((url) => (new URL(url).protocol === "https:" ? 443 : 80));
new aws.vpc.SecurityGroupEgressRule("to-comments-api", {
  securityGroupId: reportingSecurityGroup.id,
  cidrIpv4: "0.0.0.0/0",
  ipProtocol: "tcp",
  fromPort: commentsApiPort,
  toPort: commentsApiPort,
  description: "The comments API's load balancer",
});

// Letting the comments API's tasks reach your service: their security group opens connections on 443
// only (and 5432 to their own database, infra/src/documents/firewall.ts): listen on 443.
new aws.vpc.SecurityGroupIngressRule("from-comments-api", {
  securityGroupId: reportingSecurityGroup.id,
  referencedSecurityGroupId: contract.serviceSecurityGroupId,
  ipProtocol: "tcp",
  fromPort: 443,
  toPort: 443,
  description: "HTTPS from the comments API's tasks",
});

export const commentsUrl = contract.url;
