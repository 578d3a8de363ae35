/**
 * The preview role's policy (Preview and Drift: `pulumi preview --refresh`, `pulumi refresh
 * --preview-only`), instead of the AWS managed ReadOnlyAccess: the read verbs of the services the
 * stacks use, so the provider can read every resource the stacks declare, and nothing else. A
 * document of ours, so the tests evaluate it exactly (an AWS managed policy changes under us and is
 * not in the repository); and no secret values, which ReadOnlyAccess does not grant either.
 */
import { DEPLOY_SERVICES } from "./documents";

/**
 * The read verbs per service prefix: what the provider's Read functions call (Describe/Get/List,
 * and for ELB and ECR their batch reads). `sts` only for the caller's identity.
 */
export const PREVIEW_READ_VERBS = ["Describe*", "Get*", "List*"] as const;

/** Verb patterns a service has no action for (iam-data, the Service Authorization Reference): left out. */
const NO_SUCH_READS = new Set([
  "codedeploy:Describe*",
  "elasticloadbalancing:List*",
  "grafana:Get*",
  "iam:Describe*",
  "lambda:Describe*",
  "organizations:Get*",
  "rds:Get*",
  "route53:Describe*",
  "sns:Describe*",
]);

/** Reads that return a secret or data rather than configuration: never the preview's. */
export const PREVIEW_DENIED_READS = ["secretsmanager:GetSecretValue", "ssm:GetParameterHistory"];

/** The preview policy: every read of the stacks' services, the caller's identity, no secret values. */
export function previewPolicy(): Record<string, unknown> {
  // `sso`: the Identity Center resources (granted to the deploy action by action, read here whole).
  const services = [
    ...new Set([...Object.values(DEPLOY_SERVICES).flat(), "iam", "organizations", "sso"]),
  ].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadTheStacksServices",
        Effect: "Allow",
        Action: services
          .flatMap((service) => PREVIEW_READ_VERBS.map((verb) => `${service}:${verb}`))
          .filter((action) => !NO_SUCH_READS.has(action)),
        Resource: "*",
      },
      { Sid: "WhoAmI", Effect: "Allow", Action: ["sts:GetCallerIdentity"], Resource: "*" },
      { Sid: "NoSecretValues", Effect: "Deny", Action: PREVIEW_DENIED_READS, Resource: "*" },
    ],
  };
}
