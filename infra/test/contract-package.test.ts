/**
 * The contract package as another team gets it: `pnpm pack`'s tarball installed into a scratch
 * project outside the workspace (offline, from the store, with the workspace's locked versions),
 * infra/examples/consumer.ts type-checked against it and run under Pulumi mocks. Its security group
 * rules are checked against the stack's own firewall table (infra/src/documents/firewall.ts).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { firewallRules } from "../src/documents/firewall";
import { REPO_ROOT } from "../src/stack-file";
import { PROD_CONTRACT } from "./fixtures/prod-contract";

const INFRA = join(REPO_ROOT, "infra");
const PACKAGE = join(INFRA, "contract");
const FIXTURE = join(INFRA, "test", "fixtures", "contract-consumer");
let scratch: string;
let tarball: string;

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(command: string, args: string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "contract-consumer-"));
  // `prepack` compiles the package: the tarball holds what `tsc` emits, as a publish would.
  must("pnpm", ["pack", "--pack-destination", scratch], PACKAGE);
  const pkg = JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8"));
  tarball = join(scratch, `comments-platform-contract-${pkg.version}.tgz`);
  // The consumer's own dependencies at the versions the workspace locks: its lockfile is the
  // workspace's with one importer, so an offline install needs nothing the store lacks.
  const lock = YAML.parse(readFileSync(join(INFRA, "..", "pnpm-lock.yaml"), "utf8"));
  const locked = lock.importers["infra/contract"].devDependencies;
  const names = ["@pulumi/aws", "@pulumi/pulumi", "typescript"];
  lock.importers = { ".": { dependencies: Object.fromEntries(names.map((n) => [n, locked[n]])) } };
  delete lock.settings.injectWorkspacePackages;
  writeFileSync(join(scratch, "pnpm-lock.yaml"), YAML.stringify(lock));
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({
      name: "reporting",
      private: true,
      dependencies: Object.fromEntries(names.map((n) => [n, locked[n].specifier])),
    }),
  );
  must("pnpm", ["add", "--offline", tarball], scratch);
  copyFileSync(join(INFRA, "examples", "consumer.ts"), join(scratch, "index.ts"));
  copyFileSync(join(FIXTURE, "tsconfig.json"), join(scratch, "tsconfig.json"));
  copyFileSync(join(FIXTURE, "run-under-mocks.cjs"), join(scratch, "run-under-mocks.cjs"));
});

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

interface Run {
  outputs: Record<string, unknown>;
  calls: Array<{ token: string; inputs: Record<string, unknown> }>;
  resources: Array<{ type: string; name: string; inputs: Record<string, unknown> }>;
}

function consumerRun(contract: unknown) {
  return run("node", ["run-under-mocks.cjs"], scratch, { CONTRACT_JSON: JSON.stringify(contract) });
}

describe("the contract package, installed from its tarball", () => {
  it("ships the compiled package only", () => {
    expect(must("tar", ["-tzf", tarball], scratch).trim().split("\n").sort()).toEqual([
      "package/dist/contract.d.ts",
      "package/dist/contract.js",
      "package/dist/index.d.ts",
      "package/dist/index.js",
      "package/dist/pulumi.d.ts",
      "package/dist/pulumi.js",
      "package/dist/validate.d.ts",
      "package/dist/validate.js",
      "package/package.json",
    ]);
  });

  it("type-checks the example consumer against it (strict, NodeNext)", () => {
    expect(run("node_modules/.bin/tsc", ["-p", "."], scratch)).toEqual({ status: 0, stdout: "", stderr: "" });
  });

  it("runs the example under mocks: reads the prod parameter, builds its rules from the contract", () => {
    const result = consumerRun(PROD_CONTRACT);
    expect(result.stderr).toBe("");
    const declared = JSON.parse(result.stdout) as Run;
    expect(declared.calls).toEqual([
      { token: "aws:ssm/getParameter:getParameter", inputs: { name: "/comments-platform/prod/contract/v1" } },
    ]);
    expect(declared.outputs).toEqual({
      reportingSecurityGroup: "reporting-id",
      commentsApiPort: 443,
      commentsUrl: "https://comments.example.com",
    });
    expect(declared.resources).toEqual([
      {
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name: "from-comments-api",
        inputs: {
          description: "HTTPS from the comments API's tasks",
          fromPort: 443,
          toPort: 443,
          ipProtocol: "tcp",
          referencedSecurityGroupId: "sg-0bbbbbbbbbbbbbbb1",
          securityGroupId: "reporting-id",
        },
      },
      {
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "reporting",
        inputs: {
          description: "Reporting service: calls the comments API, is called by its tasks",
          vpcId: "vpc-0123456789abcdef0",
        },
      },
      {
        type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        name: "to-comments-api",
        inputs: {
          cidrIpv4: "0.0.0.0/0",
          description: "The comments API's load balancer",
          fromPort: 443,
          toPort: 443,
          ipProtocol: "tcp",
          securityGroupId: "reporting-id",
        },
      },
    ]);
  });

  it("opens only ports the stack's own rules allow: the tasks' egress, the load balancer's listener", () => {
    for (const https of [true, false]) {
      const url = https ? "https://comments.example.com" : "http://comments-api-stage-alb.elb.amazonaws.com";
      const result = consumerRun({ ...PROD_CONTRACT, url });
      const declared = JSON.parse(result.stdout) as Run;
      const rule = (name: string) => declared.resources.find((r) => r.name === name)?.inputs;
      const stack = firewallRules({
        containerPort: 8080,
        https,
        testListenerPort: 9443,
        testListenerSources: [],
      });
      // The tasks reach your group on its ingress port only if their egress opens it to any address.
      const tasksEgress = stack
        .filter((r) => r.group === "service" && r.direction === "egress" && "cidr" in r.peer)
        .map((r) => r.port);
      expect(tasksEgress).toEqual([443]);
      expect(tasksEgress).toContain(rule("from-comments-api")?.fromPort);
      // You reach the load balancer on your egress port only if it listens there for the internet.
      const listeners = stack
        .filter((r) => r.group === "alb" && r.direction === "ingress" && "cidr" in r.peer)
        .filter((r) => "cidr" in r.peer && r.peer.cidr === "0.0.0.0/0")
        .map((r) => r.port);
      expect(listeners).toContain(rule("to-comments-api")?.fromPort);
      expect(rule("to-comments-api")?.fromPort).toBe(https ? 443 : 80);
    }
  });

  it("fails the consumer's program naming each bad field when the parameter is not a contractV1", () => {
    const { vpcId: _dropped, ...rest } = PROD_CONTRACT;
    const result = consumerRun({ ...rest, version: "1" });
    expect(result.status).toBe(1);
    // The program dies on the rejected output; the SDK prefixes the inputs it was resolving.
    const lines = result.stderr.split("\n");
    const start = lines.findIndex((line) =>
      line.endsWith("SSM parameter /comments-platform/prod/contract/v1 is not a valid contractV1:"),
    );
    expect(start).toBeGreaterThanOrEqual(0);
    expect(lines.slice(start + 1)).toEqual([
      '  - "version" is "1" (string): expected the number 1',
      '  - "vpcId" is missing: expected a non-empty string',
      "",
    ]);
  });
});
