/**
 * What the Pulumi CLI asks of the S3 backend for one stack (pulumi/pulumi `pkg/backend/diy`: the
 * stack file, its lock, history and backups under `.pulumi/`, meta.yaml), with S3's SSE-KMS calls
 * made as the caller (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms)
 * and the `awskms://` secrets provider's calls on the stack's key; plus what a consumer reads.
 */
import { contractParameterArn } from "../../contract/src/contract";
import type { SynthResult } from "../../src/synth/run";
import { arnOf } from "./arns";
import { ACCOUNT, type Call, REGION } from "./engine";

const DIY = "pulumi/pulumi pkg/backend/diy";
const SSE_KMS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html";
const AWSKMS = "pulumi/pulumi secrets provider awskms:// (Encrypt/Decrypt the stack's data key)";

function named(bootstrap: SynthResult, type: string, name: string): string {
  const found = bootstrap.resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`bootstrap: no ${type} ${name}`);
  return arnOf(found, bootstrap.resources);
}

/** The bucket, the state key and a stack's secrets key, as AWS names them. */
export function stateArns(bootstrap: SynthResult, stack: string) {
  return {
    bucket: named(bootstrap, "aws:s3/bucket:Bucket", "state"),
    stateKey: named(bootstrap, "aws:kms/key:Key", "state"),
    stackKey: named(bootstrap, "aws:kms/key:Key", `secrets-${stack}`),
  };
}

/** The calls a preview (`write: false`) or a deploy (`write: true`) of `stack` makes on its state. */
export function stateCalls(bootstrap: SynthResult, stack: string, write: boolean): Call[] {
  const { bucket, stateKey, stackKey } = stateArns(bootstrap, stack);
  const file = (path: string) => `${bucket}/.pulumi/${path}`;
  const viaS3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT };
  const reads: Call[] = [
    {
      action: "s3:ListBucket",
      resource: bucket,
      context: { "s3:prefix": `.pulumi/stacks/comments-platform/` },
      source: DIY,
    },
    { action: "s3:GetObject", resource: file("meta.yaml"), source: `${DIY} (meta.yaml: the layout version)` },
    { action: "s3:GetObject", resource: file(`stacks/comments-platform/${stack}.json`), source: DIY },
    { action: "kms:Decrypt", resource: stateKey, context: viaS3, source: SSE_KMS },
    { action: "kms:Decrypt", resource: stackKey, source: AWSKMS },
  ];
  if (!write) return reads;
  return [
    ...reads,
    ...[
      `locks/organization/comments-platform/${stack}/0f3c2a1e-5b7d-4c8e-9a6f-1d2e3f4a5b6c.json`,
      `stacks/comments-platform/${stack}.json`,
      `history/comments-platform/${stack}/${stack}-1767225600000000000.history.json`,
      `backups/comments-platform/${stack}/${stack}.1767225600000000000.json`,
    ].map((path) => ({ action: "s3:PutObject", resource: file(path), source: DIY })),
    {
      action: "s3:DeleteObject",
      resource: file(
        `locks/organization/comments-platform/${stack}/0f3c2a1e-5b7d-4c8e-9a6f-1d2e3f4a5b6c.json`,
      ),
      source: `${DIY} lock.go (unlock)`,
    },
    { action: "kms:GenerateDataKey", resource: stateKey, context: viaS3, source: SSE_KMS },
    { action: "kms:Encrypt", resource: stackKey, source: AWSKMS },
  ];
}

/** What a consumer of `stack` reads: its outputs through StackReference, or the contract parameter. */
export function consumerCalls(bootstrap: SynthResult, stack: string): Call[] {
  const { bucket, stateKey, stackKey } = stateArns(bootstrap, stack);
  const viaS3 = { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT };
  return [
    {
      action: "s3:ListBucket",
      resource: bucket,
      context: { "s3:prefix": `.pulumi/stacks/comments-platform/${stack}.json` },
      source: `${DIY} (StackReference)`,
    },
    { action: "s3:GetObject", resource: `${bucket}/.pulumi/meta.yaml`, source: `${DIY} (StackReference)` },
    {
      action: "s3:GetObject",
      resource: `${bucket}/.pulumi/stacks/comments-platform/${stack}.json`,
      source: `${DIY} (StackReference)`,
    },
    { action: "kms:Decrypt", resource: stateKey, context: viaS3, source: SSE_KMS },
    { action: "kms:Decrypt", resource: stackKey, source: `${AWSKMS} (secret outputs)` },
    {
      action: "ssm:GetParameter",
      resource: contractParameterArn({ stack, region: REGION, accountId: ACCOUNT }),
      source: "contract/src/contract.ts readContract (GetParameter)",
    },
    {
      action: "ssm:GetParameter",
      resource: contractParameterArn({ stack, region: REGION, accountId: ACCOUNT, version: 2 }),
      source: "contractV2's parameter (docs/consuming-outputs.md#contractv2)",
    },
  ];
}
