/**
 * Every IAM document the bootstrap declares (trust policies and inline role policies) through the
 * real IAM API of moto, whose policy validator rejects what IAM rejects by shape: unknown condition
 * operators, actions without a service prefix, malformed ARNs, a Deny without a resource. A typo in
 * a guardrail would otherwise surface only at the administrator's first `pulumi up`.
 */
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  MOTO_SKIP_REASON,
  type Moto,
  motoClientConfig,
  skipMoto,
  startMoto,
} from "@comments-platform/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { remoteWritePolicy } from "../src/documents/collector";
import { grafanaQueryPolicy } from "../src/documents/grafana";
import {
  appTaskRolePolicy,
  assumeRolePolicy,
  codeDeployPolicy,
  executionRolePolicy,
} from "../src/documents/iam";
import type { SynthResult } from "../src/synth/run";
import { ofType, synthBootstrap } from "./helpers";

/** The mocks' ARNs (arn:aws:iam:<region>:...) are not IAM's; moto wants real ones. */
const realArns = (document: string) =>
  document
    .replaceAll(
      "arn:aws:iam:sa-east-1:123456789012:github",
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    )
    .replaceAll("arn:aws:s3:sa-east-1:123456789012:state", "arn:aws:s3:::comments-platform-state-0123")
    .replace(/arn:aws:kms:sa-east-1:123456789012:([\w-]+)/g, "arn:aws:kms:sa-east-1:123456789012:key/$1");

describe.skipIf(skipMoto)(`the bootstrap's IAM documents against moto's IAM${MOTO_SKIP_REASON}`, () => {
  let moto: Moto;
  let iam: IAMClient;
  let result: SynthResult;

  beforeAll(async () => {
    moto = await startMoto();
    iam = new IAMClient(motoClientConfig(moto.endpoint));
    result = await synthBootstrap();
  });
  afterAll(() => moto?.stop());

  it("rejects a malformed document (the validator is on)", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "probe", AssumeRolePolicyDocument: "{}" }));
    await expect(
      iam.send(
        new PutRolePolicyCommand({
          RoleName: "probe",
          PolicyName: "bad",
          PolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Deny", Action: "*", Resource: "*", Condition: { StringEqual: { "aws:x": "y" } } },
            ],
          }),
        }),
      ),
    ).rejects.toThrow(/MalformedPolicyDocument|Syntax errors in policy/);
  });

  it("accepts every role's trust policy and every inline policy, as declared", async () => {
    const roles = ofType(result, "aws:iam/role:Role");
    const policies = ofType(result, "aws:iam/rolePolicy:RolePolicy");
    expect([roles.length, policies.length]).toEqual([4, 8]);
    for (const role of roles) {
      const name = String(role.inputs.name);
      const trust = realArns(String(role.inputs.assumeRolePolicy));
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
      await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust }));
    }
    const accepted: string[] = [];
    for (const policy of policies) {
      // A RolePolicy's role is the role resource's id; the mocks make it "<logical name>-id".
      const role = roles.find((r) => `${r.name}-id` === policy.inputs.role);
      const roleName = String(role?.inputs.name);
      const document = realArns(String(policy.inputs.policy));
      await iam.send(
        new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policy.name, PolicyDocument: document }),
      );
      const stored = await iam.send(
        new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policy.name }),
      );
      expect(JSON.parse(decodeURIComponent(stored.PolicyDocument ?? ""))).toEqual(JSON.parse(document));
      accepted.push(`${roleName}/${policy.name}`);
    }
    expect(accepted.sort()).toEqual([
      "comments-platform-prod-deploy/deploy-prod-isolation",
      "comments-platform-prod-deploy/deploy-prod-state",
      "comments-platform-prod-preview/preview-prod-isolation",
      "comments-platform-prod-preview/preview-prod-state",
      "comments-platform-stage-deploy/deploy-stage-isolation",
      "comments-platform-stage-deploy/deploy-stage-state",
      "comments-platform-stage-preview/preview-stage-isolation",
      "comments-platform-stage-preview/preview-stage-state",
    ]);
  });

  it("accepts each stack's managed policies: the deploy role's, the preview role's, the boundary and the consumers'", async () => {
    const consumers = ofType(result, "aws:iam/policy:Policy");
    expect(consumers.map((p) => p.inputs.name).sort()).toEqual([
      "comments-platform-prod-boundary",
      "comments-platform-prod-consumer",
      "comments-platform-prod-deploy",
      "comments-platform-prod-preview",
      "comments-platform-stage-boundary",
      "comments-platform-stage-consumer",
      "comments-platform-stage-deploy",
      "comments-platform-stage-preview",
    ]);
    for (const consumer of consumers) {
      const document = realArns(String(consumer.inputs.policy));
      const created = await iam.send(
        new CreatePolicyCommand({ PolicyName: String(consumer.inputs.name), PolicyDocument: document }),
      );
      expect(created.Policy?.PolicyName).toBe(consumer.inputs.name);
    }
  });
});

describe.skipIf(skipMoto)(`the stacks' IAM documents against moto's IAM${MOTO_SKIP_REASON}`, () => {
  let moto: Moto;
  let iam: IAMClient;
  beforeAll(async () => {
    moto = await startMoto();
    iam = new IAMClient(motoClientConfig(moto.endpoint));
  });
  afterAll(() => moto?.stop());

  // Built from the pure builders with ARNs in AWS's real formats, as a stack would have them.
  const account = "123456789012";
  const documents = {
    codedeploy: codeDeployPolicy({
      listenerArns: [
        `arn:aws:elasticloadbalancing:sa-east-1:${account}:listener/app/comments-api-prod-alb-1a2b3c/50dc6c495c0c9188/f2f7dc8efc522ab2`,
        `arn:aws:elasticloadbalancing:sa-east-1:${account}:listener/app/comments-api-prod-alb-1a2b3c/50dc6c495c0c9188/0467ef3c8400ae65`,
      ],
      hookFunctionArns: [`arn:aws:lambda:sa-east-1:${account}:function:CodeDeployHook_prod_smoke`],
      taskRoleArns: [
        `arn:aws:iam::${account}:role/comments-api-prod-execution-1f2e3d4`,
        `arn:aws:iam::${account}:role/comments-api-prod-task-5a6b7c8`,
      ],
    }),
    execution: executionRolePolicy({
      repository: `arn:aws:ecr:sa-east-1:${account}:repository/comments-api-prod`,
      logGroup: `arn:aws:logs:sa-east-1:${account}:log-group:/ecs/comments-api-prod`,
    }),
    app: appTaskRolePolicy({
      databaseSecret: `arn:aws:secretsmanager:sa-east-1:${account}:secret:rds!db-0123-AbCdEf`,
    }),
    "remote-write": remoteWritePolicy(`arn:aws:aps:sa-east-1:${account}:workspace/ws-0123`),
    grafana: grafanaQueryPolicy(`arn:aws:aps:sa-east-1:${account}:workspace/ws-0123`),
  };

  it("accepts every inline policy the stacks attach, exactly as built", async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: "stack-roles",
        AssumeRolePolicyDocument: JSON.stringify(assumeRolePolicy("codedeploy.amazonaws.com")),
      }),
    );
    for (const [name, document] of Object.entries(documents)) {
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: "stack-roles",
          PolicyName: name,
          PolicyDocument: JSON.stringify(document),
        }),
      );
      const stored = await iam.send(new GetRolePolicyCommand({ RoleName: "stack-roles", PolicyName: name }));
      expect([name, JSON.parse(decodeURIComponent(stored.PolicyDocument ?? ""))]).toEqual([name, document]);
    }
  });
});
