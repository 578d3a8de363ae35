/**
 * The resource policies that decide beside the caller's: KMS key policies (a key's policy must
 * allow a call, whatever IAM says: https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html),
 * the SNS topic policies and the state bucket's policy, as synth and the bootstrap build them.
 */
import type { RecordedResource, SynthResult } from "../../src/synth/run";
import { arnOf } from "./arns";
import { ACCOUNT, type Call, type Policy, REGION } from "./engine";

/** The AWS managed key `aws/secretsmanager` the RDS-managed secret is encrypted with. */
export const SECRETS_MANAGER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee`;

/**
 * The key policy of `aws/secretsmanager`, as AWS documents it
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-policies):
 * use through Secrets Manager for every principal of the account, metadata for the account.
 */
export const SECRETS_MANAGER_KEY_POLICY: Policy = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "ThroughSecretsManager",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: [
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncrypt*",
        "kms:CreateGrant",
        "kms:DescribeKey",
        "kms:GenerateDataKey*",
      ],
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:CallerAccount": ACCOUNT,
          "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`,
        },
      },
    },
    {
      Sid: "KeyMetadata",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
      Resource: "*",
    },
  ],
};

/**
 * The default key policy of a key created without one (the bootstrap's keys): the account's IAM
 * policies decide (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
 */
export const DEFAULT_KEY_POLICY: Policy = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Enable IAM User Permissions",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: "kms:*",
      Resource: "*",
    },
  ],
};

const parse = (r: RecordedResource) => JSON.parse(String(r.inputs.policy)) as Policy;

/** Resource ARN (or ARN prefix, for a bucket's objects) → its policy, over the given synth results. */
export function resourcePolicies(...results: SynthResult[]): Map<string, Policy> {
  const policies = new Map<string, Policy>([[SECRETS_MANAGER_KEY, SECRETS_MANAGER_KEY_POLICY]]);
  for (const result of results) {
    for (const r of result.resources) {
      if (r.type === "aws:sns/topicPolicy:TopicPolicy") policies.set(String(r.inputs.arn), parse(r));
      if (r.type === "aws:kms/key:Key") {
        policies.set(
          arnOf(r, result.resources),
          r.inputs.policy === undefined ? DEFAULT_KEY_POLICY : parse(r),
        );
      }
      if (r.type === "aws:s3/bucketPolicy:BucketPolicy") {
        const bucket = result.resources.find((b) => b.type === "aws:s3/bucket:Bucket");
        if (bucket !== undefined) policies.set(arnOf(bucket, result.resources), parse(r));
      }
    }
  }
  return policies;
}

/** The calls with the resource policy of what they act on (an object: its bucket's), where one decides. */
export function withResourcePolicies<T extends Call>(calls: T[], policies: Map<string, Policy>): T[] {
  return calls.map((call) => {
    const own = policies.get(call.resource) ?? policies.get(call.resource.split("/")[0] ?? "");
    return own === undefined || call.resourcePolicy !== undefined ? call : { ...call, resourcePolicy: own };
  });
}
