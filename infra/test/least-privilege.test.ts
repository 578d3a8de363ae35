/**
 * The deploy role's least privilege, against what the stacks declare (synth of both stacks): every
 * AWS module covered by the deploy policy, every role created with the stack's boundary and passed
 * only to the services it trusts, every permission the roles get inside the boundary.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BOUNDARY_ACTIONS, DEPLOY_SERVICES, deployPolicy, PASSED_TO_SERVICES } from "../bootstrap/documents";
import { REPO_ROOT } from "../src/stack-file";
import type { SynthResult } from "../src/synth/run";
import { ofType } from "./helpers";

describe("the deploy role's least privilege, against what the stacks declare", () => {
  const stacks: Record<string, SynthResult> = {};
  // One process per stack, as `pnpm synth` runs: the Pulumi runtime holds one stack per process.
  beforeAll(() => {
    for (const stack of ["stage", "prod"]) {
      const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/synth.ts", stack], {
        cwd: join(REPO_ROOT, "infra"),
        encoding: "utf8",
        env: process.env,
      });
      if (run.status !== 0) throw new Error(`synth ${stack} failed: ${run.stderr}`);
      stacks[stack] = JSON.parse(run.stdout) as SynthResult;
    }
  });

  it("covers every AWS module either stack declares (derived from synth)", () => {
    for (const [stack, synthResult] of Object.entries(stacks)) {
      const modules = new Set(
        synthResult.resources
          .filter((r) => r.type.startsWith("aws:"))
          .map((r) => r.type.split(":")[1]?.split("/")[0] ?? ""),
      );
      expect(
        [...modules].filter((m) => !(m in DEPLOY_SERVICES)),
        stack,
      ).toEqual([]);
    }
  });

  it("creates every role with the stack's boundary, passes roles only to the services they trust", () => {
    for (const [stack, synthResult] of Object.entries(stacks)) {
      const roles = ofType(synthResult, "aws:iam/role:Role");
      expect(roles.length, stack).toBeGreaterThan(3);
      for (const role of roles) {
        expect(role.inputs.permissionsBoundary, `${stack} ${role.name}`).toBe(
          `arn:aws:iam::\${aws:getCallerIdentity.accountId}:policy/comments-platform-${stack}-boundary`,
        );
        expect(role.name.startsWith(`comments-api-${stack}-`), role.name).toBe(true);
        const trusted = (
          JSON.parse(String(role.inputs.assumeRolePolicy)) as {
            Statement: Array<{ Principal: { Service: string } }>;
          }
        ).Statement.map((s) => s.Principal.Service);
        for (const service of trusted) expect(PASSED_TO_SERVICES, role.name).toContain(service);
      }
    }
    const statements = (
      deployPolicy({ accountId: "1", stack: "stage", boundaryArn: "arn:aws:iam::1:policy/b" }) as {
        Statement: Array<{
          Sid: string;
          Effect: string;
          Action: string[];
          Resource: string;
          Condition?: unknown;
        }>;
      }
    ).Statement;
    expect(statements.find((s) => s.Sid === "CreateRolesOnlyWithTheBoundary")).toEqual({
      Sid: "CreateRolesOnlyWithTheBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
      Resource: "arn:aws:iam::1:role/comments-api-stage-*",
      Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:aws:iam::1:policy/b" } },
    });
    // No statement allows iam:* or an IAM action on every resource, but reading policies.
    for (const s of statements.filter((st) => st.Effect === "Allow")) {
      for (const action of s.Action) {
        if (action.startsWith("iam:") && s.Resource === "*") {
          expect(["iam:CreateServiceLinkedRole", "iam:GetPolicy", "iam:GetPolicyVersion"], action).toContain(
            action,
          );
        }
        expect(action).not.toBe("iam:*");
      }
    }
  });

  it("fits every permission the stacks' roles are given inside the boundary", () => {
    const allowed = (action: string) =>
      BOUNDARY_ACTIONS.some((b) => (b.endsWith(":*") ? action.startsWith(b.slice(0, -1)) : b === action));
    for (const [stack, synthResult] of Object.entries(stacks)) {
      for (const policy of ofType(synthResult, "aws:iam/rolePolicy:RolePolicy")) {
        const document = JSON.parse(String(policy.inputs.policy)) as {
          Statement: Array<{ Effect: string; Action: string | string[] }>;
        };
        for (const statement of document.Statement.filter((s) => s.Effect === "Allow")) {
          for (const action of [statement.Action].flat()) {
            expect(allowed(action), `${stack} ${policy.name}: ${action}`).toBe(true);
          }
        }
      }
    }
  });
});
