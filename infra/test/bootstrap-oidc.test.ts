/**
 * The bootstrap in an account that already trusts GitHub Actions: IAM allows one OIDC provider per
 * URL (a second create fails with EntityAlreadyExists), so `githubOidcProviderArn` reuses it.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GITHUB_OIDC_PROVIDER_KEY, githubOidcProvider } from "../bootstrap/github-oidc";
import { REPO_ROOT } from "../src/stack-file";
import type { SynthResult } from "../src/synth/run";

const EXISTING = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";

function bootstrap(extra: string[]): SynthResult {
  const run = spawnSync(process.execPath, ["--import", "tsx", "test/iam/synth-bootstrap.ts", ...extra], {
    cwd: join(REPO_ROOT, "infra"),
    encoding: "utf8",
    env: process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as SynthResult;
}

describe("githubOidcProvider (config githubOidcProviderArn)", () => {
  it("creates the provider when the key is unset or empty", () => {
    expect(githubOidcProvider(undefined)).toEqual({ create: true });
    expect(githubOidcProvider("")).toEqual({ create: true });
  });

  it("reuses the provider an ARN names, in any partition", () => {
    expect(githubOidcProvider(EXISTING)).toEqual({ create: false, arn: EXISTING });
    const gov = "arn:aws-us-gov:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
    expect(githubOidcProvider(gov)).toEqual({ create: false, arn: gov });
  });

  it("refuses another provider or a malformed ARN, naming the key, the value and what is allowed", () => {
    for (const value of [
      "arn:aws:iam::111122223333:oidc-provider/gitlab.com",
      "arn:aws:iam::1111:oidc-provider/token.actions.githubusercontent.com",
      "token.actions.githubusercontent.com",
    ]) {
      expect(() => githubOidcProvider(value)).toThrow(
        `comments-platform-bootstrap:${GITHUB_OIDC_PROVIDER_KEY} is ${JSON.stringify(value)}: expected the ARN of the account's GitHub OIDC provider, arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or unset to create it`,
      );
    }
  });

  it("creates no provider and trusts the existing one in every role when the key names it", () => {
    const result = bootstrap([`comments-platform-bootstrap:${GITHUB_OIDC_PROVIDER_KEY}=${EXISTING}`]);
    expect(
      result.resources.filter((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider"),
    ).toEqual([]);
    const roles = result.resources.filter((r) => r.type === "aws:iam/role:Role");
    expect(roles.map((r) => JSON.parse(String(r.inputs.assumeRolePolicy)).Statement[0].Principal)).toEqual(
      roles.map(() => ({ Federated: EXISTING })),
    );
    // The deploy roles still may not touch it.
    const isolation = result.resources.find((r) => r.name === "deploy-stage-isolation");
    const protect = JSON.parse(String(isolation?.inputs.policy)).Statement.find(
      (s: { Sid: string }) => s.Sid === "ProtectBootstrapIdentity",
    );
    expect(protect.Resource).toEqual([
      "arn:aws:iam::${aws:getCallerIdentity.accountId}:role/comments-platform-*",
      EXISTING,
    ]);
  });
});
