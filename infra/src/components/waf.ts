import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { WAF_WINDOW_SECONDS, wafResponseBodies, wafRules } from "../documents/waf";
import { named, type Tags } from "./tags";

/** What the web ACL protects and how hard. */
export interface WafArgs {
  albArn: pulumi.Input<string>;
  /** Requests per client address per 5 minutes. */
  rateLimit: number;
  tags: Tags;
}

/** An AWS WAF web ACL on the ALB: a rate limit per client and AWS's common rule set. */
export class Waf extends pulumi.ComponentResource {
  readonly webAcl: aws.wafv2.WebAcl;
  readonly association: aws.wafv2.WebAclAssociation;

  constructor(name: string, args: WafArgs, opts?: pulumi.ComponentResourceOptions) {
    super("comments-platform:service:Waf", name, {}, opts);
    const parent = { parent: this };
    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        // No fixed name: a replacement creates the new web ACL before deleting the old one.
        description: `comments API: ${args.rateLimit} requests per client per ${WAF_WINDOW_SECONDS / 60} minutes, AWS common rule set`,
        // REGIONAL: the scope of a web ACL for an ALB; CLOUDFRONT is only for distributions
        // (https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html#WAF-CreateWebACL-request-Scope).
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        customResponseBodies: wafResponseBodies(args.rateLimit),
        rules: wafRules(args.rateLimit, name),
        visibilityConfig: {
          cloudwatchMetricsEnabled: true,
          metricName: `${name}-waf`,
          sampledRequestsEnabled: true,
        },
        tags: named(args.tags, `${name}-waf`),
      },
      parent,
    );
    // An ALB takes a regional web ACL by association
    // (https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html).
    this.association = new aws.wafv2.WebAclAssociation(
      `${name}-waf`,
      { resourceArn: args.albArn, webAclArn: this.webAcl.arn },
      {
        ...parent,
        // Replaced with the web ACL (web_acl_arn is ForceNew): created first, the new association
        // would be undone by the old one's delete, DisassociateWebACL on the ALB, which removes
        // whatever web ACL it has (pulumi/pulumi-aws#4782; terraform-provider-aws
        // internal/service/wafv2/web_acl_association.go, resourceWebACLAssociationDelete).
        // Deleted first, the ALB is without a web ACL from that delete to the new association.
        deleteBeforeReplace: true,
      },
    );
    this.registerOutputs({ webAclArn: this.webAcl.arn });
  }
}
