/**
 * How another team's Pulumi program reads the comments platform's contract. Type-checked with the
 * infra package (`pnpm typecheck`), so this sample cannot drift from the contract's type.
 *
 * In your program, copy the `ContractV1` interface from infra/src/contract.ts (or depend on this
 * repository). The stacks live in an S3 (DIY) backend, where a stack reference's organization is
 * always `organization`; log in to that backend and attach `comments-platform-prod-consumer`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ContractV1 } from "../src/contract";

const comments = new pulumi.StackReference("organization/comments-platform/prod");
const contract = comments.requireOutput("contractV1") as pulumi.Output<ContractV1>;

// Example: let the comments API's tasks reach your service on 8080.
export const consumerSecurityGroup = new aws.ec2.SecurityGroup("reporting", {
  vpcId: contract.vpcId,
  description: "Reporting service, reachable from the comments API",
});
new aws.vpc.SecurityGroupIngressRule("from-comments-api", {
  securityGroupId: consumerSecurityGroup.id,
  referencedSecurityGroupId: contract.serviceSecurityGroupId,
  ipProtocol: "tcp",
  fromPort: 8080,
  toPort: 8080,
});
export const commentsUrl = contract.url;
