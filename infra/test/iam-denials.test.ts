/**
 * The denials that must hold for the deploy roles (stage's needs no approval), and every policy's
 * actions and condition keys checked against AWS's catalogue (iam-data).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { deployDenials } from "./iam/denials";
import { decide, policyProblems } from "./iam/engine";
import { ciRole, loadPlatform, type Platform, STACKS, stackRole } from "./iam/principals";
import { resourcePolicies, withResourcePolicies } from "./iam/resource-policies";

let platform: Platform;
beforeAll(() => {
  platform = loadPlatform();
}, 180_000);

describe("what no deploy role may do", () => {
  for (const stack of STACKS) {
    it(`refuses the ${stack} deploy role every call outside its stack`, async () => {
      const other = stack === "stage" ? "prod" : "stage";
      const role = ciRole(platform, `deploy-${stack}`);
      const denials = withResourcePolicies(
        deployDenials(platform.bootstrap, stack, other),
        resourcePolicies(platform.stacks[stack], platform.bootstrap),
      );
      expect(denials.length).toBe(33);
      const wrong: string[] = [];
      for (const denial of denials) {
        const decision = await decide(role, denial);
        if (decision !== denial.expected)
          wrong.push(`${denial.action} ${denial.resource} -> ${decision} (${denial.source})`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("every policy, against AWS's catalogue of actions and condition keys", () => {
  it("uses only actions that exist and condition keys that apply to them", async () => {
    const documents: Array<[string, unknown]> = [];
    for (const r of [
      ...platform.bootstrap.resources,
      ...STACKS.flatMap((s) => platform.stacks[s].resources),
    ]) {
      // IAM documents only (an ECR lifecycle policy is a `policy` too).
      const iamDocument = /^aws:(iam\/(policy|rolePolicy)|sns\/topicPolicy|s3\/bucketPolicy):/.test(r.type);
      if (iamDocument && typeof r.inputs.policy === "string") {
        documents.push([`${r.type} ${r.name}`, JSON.parse(r.inputs.policy)]);
      }
      // The operator permission set's policy (documents/operator.ts).
      if (r.type === "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy")
        documents.push([`${r.type} ${r.name}`, JSON.parse(String(r.inputs.inlinePolicy))]);
      if (r.type === "aws:iam/role:Role")
        documents.push([`${r.name} trust`, JSON.parse(String(r.inputs.assumeRolePolicy))]);
    }
    expect(documents.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const [name, policy] of documents) problems.push(...(await policyProblems(name, policy as never)));
    expect(problems).toEqual([]);
  });

  it("gives every role a deploy creates a boundary that the engine reads", () => {
    for (const stack of STACKS) {
      for (const r of platform.stacks[stack].resources.filter((x) => x.type === "aws:iam/role:Role")) {
        expect(stackRole(platform, stack, r.name).boundary, r.name).toBeDefined();
      }
    }
  });
});
