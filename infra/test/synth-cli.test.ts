/** `pnpm synth` as a reviewer runs it: deterministic JSON, and bad input refused with its reasons. */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../src/stack-file";

const INFRA = join(REPO_ROOT, "infra");
const synth = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/synth.ts", ...args], {
    cwd: INFRA,
    encoding: "utf8",
    env: process.env,
  });

describe("pnpm synth", () => {
  it("prints the same bytes twice, with references for what AWS computes, and the safety options", () => {
    const first = synth("stage");
    const second = synth("stage");
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const parsed = JSON.parse(first.stdout) as {
      project: string;
      stack: string;
      resources: Array<{
        type: string;
        inputs: Record<string, unknown>;
        options: { ignoreChanges: string[] };
      }>;
      outputs: { contractV1: Record<string, unknown> };
    };
    expect([parsed.project, parsed.stack, parsed.resources.length]).toEqual([
      "comments-platform",
      "stage",
      107,
    ]);
    const service = parsed.resources.find((r) => r.type === "aws:ecs/service:Service");
    expect(service?.inputs.taskDefinition).toBe("${ecs:TaskDefinition/comments-api-stage-task.arn}");
    expect(first.stdout).not.toContain("[unknown]");
    expect(service?.options.ignoreChanges).toContain("taskDefinition");
    expect(parsed.outputs.contractV1).toMatchObject({
      version: 1,
      clusterName: "comments-api-stage",
      vpcId: "${ec2:Vpc/comments-api-stage-vpc.id}",
    });
  });

  it("refuses an unknown stack", () => {
    const result = synth("dev");
    expect([result.status, result.stdout, result.stderr]).toEqual([
      2,
      "",
      'usage: pnpm synth <stack>; stack must be one of stage, prod, got "dev"\n',
    ]);
  });

  it("refuses bad config with every problem, before declaring anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "synth-bad-"));
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    writeFileSync(
      join(dir, "Pulumi.prod.yaml"),
      [
        "config:",
        "  aws:region: sa-east-1",
        "  comments-platform:owner: t",
        "  comments-platform:costCentre: c",
        "  comments-platform:taskMemory: 3000",
        "  comments-platform:dbDeletionProtection: false",
        "",
      ].join("\n"),
    );
    const result = synth("prod", "--root", dir);
    rmSync(dir, { recursive: true, force: true });
    expect([result.status, result.stdout]).toEqual([1, ""]);
    expect(result.stderr).toBe(
      [
        "synth: invalid configuration for stack prod:",
        '  - taskMemory="3000": is not a Fargate size for taskCpu 256; allowed: 512, 1024, 2048',
        '  - dbDeletionProtection="false": prod needs deletion protection on its database',
        "  - certificateArn: prod serves HTTPS; set the ACM certificate of its domain",
        "  - grafanaRegion: Amazon Managed Grafana is not offered in sa-east-1 (https://docs.aws.amazon.com/general/latest/gr/grafana.html); set grafanaRegion to one of us-east-1, us-east-2, us-west-2, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-2, eu-central-1, eu-west-1, eu-west-2, or use grafanaMode existing",
        "",
      ].join("\n"),
    );
  });
});
