/**
 * `pnpm release` as people run it, over the release harness (AWS as a timeline): status, deploy,
 * rollback and its target rule among several deployments, the argument errors.
 */
import { ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { beforeEach, describe, expect, it } from "vitest";
import { loadStackConfig, rawConfigFrom, readConfigSpecs } from "../src/config";
import { runReleaseCli } from "../src/release/cli";
import { ROLLBACK_RULE } from "../src/release/rollback-target";
import { readStackFile } from "../src/stack-file";
import { type ReleaseHarness, releaseHarness, revision } from "./release-harness";

const specs = readConfigSpecs();
const config = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")), specs);
let aws: ReleaseHarness;
const cli = (argv: string[]) => runReleaseCli(argv, config, aws.clients, aws.io());
const harness = (options: { pageSize?: number } = {}) => {
  aws = releaseHarness(options);
  aws.service(revision(42));
};
beforeEach(() => harness());
/** `pnpm release deploy` of revision 43 to prod, with `flags`. */
const deploy43 = (...flags: string[]) => [
  "deploy",
  "--stack",
  "prod",
  "--task-definition",
  revision(43),
  ...flags,
];

describe("pnpm release", () => {
  it("status: the running revision and deployments in progress", async () => {
    aws.existing("d-5").ships(revision(43)).at(0).status("InProgress");
    expect(await cli(["status", "--stack", "prod"])).toBe(0);
    expect(aws.lines).toEqual([
      `service comments-api-prod runs ${revision(42)}`,
      "deployment d-5 InProgress",
    ]);
  });

  it("deploy: needs a task definition", async () => {
    expect(await cli(["deploy", "--stack", "prod"])).toBe(2);
    expect(aws.lines[0]?.split("\n")[0]).toBe("deploy needs --task-definition <arn>");
  });

  it("rollback: stops a deployment in progress with rollback", async () => {
    aws.existing("d-5").ships(revision(43)).at(0).status("InProgress");
    expect(await cli(["rollback", "--stack", "prod"])).toBe(0);
    expect(aws.stopped()).toEqual([{ deploymentId: "d-5", autoRollbackEnabled: true }]);
    expect(aws.lines).toEqual(["stopping deployment d-5 with rollback"]);
  });

  /** A deployment that Succeeded: it shipped `n`, replacing `from` when its description says so. */
  const shipped = (id: string, n: number, completeTime: string, from?: number) =>
    aws
      .existing(id)
      .ships(revision(n), from === undefined ? undefined : `${revision(from)} -> ${revision(n)}`)
      .completedAt(completeTime)
      .status("Succeeded");

  // Revisions are kept (skipDestroy), so the revision before the current one may be one that was
  // itself rolled back: 41 below failed. The target is the last revision a deployment shipped.
  const history = () => {
    shipped("d-3", 42, "2026-11-30T12:00:00Z");
    shipped("d-1", 40, "2026-11-20T09:30:00Z");
  };

  it("rollback: otherwise redeploys the revision of the last deployment that Succeeded, skipping a failed one; ListDeployments read page by page", async () => {
    harness({ pageSize: 1 });
    history();
    aws.creates("d-6").status("Succeeded");
    expect(await cli(["rollback", "--stack", "prod"])).toBe(0);
    expect(
      aws.codedeploy
        .commandCalls(ListDeploymentsCommand, { includeOnlyStatuses: ["Succeeded"] })
        .map((c) => c.args[0].input),
    ).toEqual([
      {
        applicationName: "comments-api-prod",
        deploymentGroupName: "comments-api-prod",
        includeOnlyStatuses: ["Succeeded"],
      },
      {
        applicationName: "comments-api-prod",
        deploymentGroupName: "comments-api-prod",
        includeOnlyStatuses: ["Succeeded"],
        nextToken: "1",
      },
    ]);
    const appSpec = JSON.parse(aws.created()[0]?.revision?.appSpecContent?.content ?? "{}");
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(revision(40));
    expect(appSpec.Hooks).toEqual([{ AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" }]);
    expect(aws.lines[0]).toBe(
      `rolling back comments-api-prod from ${revision(42)} to ${revision(40)}: the revision d-3 replaced (completed 2026-11-30T12:00:00.000Z); rule: ${ROLLBACK_RULE}`,
    );
    expect(aws.lines.at(-1)).toBe("rolled back by d-6");
  });

  it("rollback: among several deployments that Succeeded, the newest with another revision, whatever order CodeDeploy lists them in", async () => {
    // Listed neither oldest nor newest first; the current revision (42) is the newest of all.
    shipped("d-2", 39, "2026-11-12T10:00:00Z");
    shipped("d-7", 42, "2026-11-30T12:00:00Z");
    shipped("d-5", 41, "2026-11-25T08:00:00Z");
    shipped("d-1", 38, "2026-11-10T10:00:00Z");
    shipped("d-4", 40, "2026-11-20T09:30:00Z");
    aws.creates("d-8").status("Succeeded");
    expect(await cli(["rollback", "--stack", "prod"])).toBe(0);
    expect(aws.lines[0]).toBe(
      `rolling back comments-api-prod from ${revision(42)} to ${revision(41)}: the revision d-7 replaced (completed 2026-11-30T12:00:00.000Z); rule: ${ROLLBACK_RULE}`,
    );
  });

  it("rollback: after the first release, back to the revision ECS started, named by the deployment's description", async () => {
    // Revision 41 was started by ECS when the service was created; d-1 (release.ts) replaced it by 42.
    shipped("d-1", 42, "2026-12-01T10:00:00Z", 41);
    aws.creates("d-2").status("Succeeded");
    expect(await cli(["rollback", "--stack", "prod"])).toBe(0);
    const appSpec = JSON.parse(aws.created()[0]?.revision?.appSpecContent?.content ?? "{}");
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(revision(41));
    expect(aws.lines[0]).toBe(
      `rolling back comments-api-prod from ${revision(42)} to ${revision(41)}: the revision d-1 replaced (completed 2026-12-01T10:00:00.000Z); rule: ${ROLLBACK_RULE}`,
    );
  });

  it("rollback --all-at-once: the same target in one step (CodeDeployDefault.ECSAllAtOnce); without it, the group's configuration", async () => {
    const deployed = async (argv: string[]) => {
      harness();
      history();
      aws.creates("d-6").status("Succeeded");
      expect(await cli(argv)).toBe(0);
      const input = aws.created()[0];
      return [
        input?.deploymentConfigName,
        JSON.parse(input?.revision?.appSpecContent?.content ?? "{}").Hooks,
      ];
    };
    const smokeOnly = [{ AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" }];
    expect(await deployed(["rollback", "--stack", "prod", "--all-at-once"])).toEqual([
      "CodeDeployDefault.ECSAllAtOnce",
      smokeOnly,
    ]);
    expect(await deployed(["rollback", "--stack", "prod"])).toEqual([undefined, smokeOnly]);
  });

  it("rollback: refuses when no deployment ever Succeeded with another revision", async () => {
    expect(await cli(["rollback", "--stack", "prod"])).toBe(1);
    expect(aws.lines).toEqual([
      `no deployment of comments-api-prod/comments-api-prod Succeeded that replaced a revision other than ${revision(42)}: nothing to roll back to (rule: ${ROLLBACK_RULE})`,
    ]);
    expect(aws.created()).toHaveLength(0);
  });

  it("deploy: passes the tasks' network configuration into the AppSpec", async () => {
    aws.creates("d-7").status("Succeeded");
    expect(await cli(deploy43("--subnets", "subnet-a,subnet-b", "--security-groups", "sg-1"))).toBe(0);
    const appSpec = JSON.parse(aws.created()[0]?.revision?.appSpecContent?.content ?? "{}");
    expect(appSpec.Resources[0].TargetService.Properties.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: {
        Subnets: ["subnet-a", "subnet-b"],
        SecurityGroups: ["sg-1"],
        AssignPublicIp: "DISABLED",
      },
    });
  });

  it('deploy --ignore-alarms "<reason>": the deployment runs without rollback alarms, and says why', async () => {
    aws.creates("d-8").status("Succeeded");
    expect(await cli(deploy43("--ignore-alarms", "INC-7 hotfix"))).toBe(0);
    const input = aws.created()[0];
    expect(input?.overrideAlarmConfiguration).toEqual({
      enabled: false,
      ignorePollAlarmFailure: false,
      alarms: [],
    });
    expect(input?.description).toMatch(/ \[rollback alarms ignored: INC-7 hotfix\]$/);
    expect(aws.lines).toContain("+0s rollback alarms ignored for this deployment: INC-7 hotfix");
  });

  it("--ignore-alarms without a reason is refused", async () => {
    expect(await cli(deploy43("--ignore-alarms", " "))).toBe(2);
    expect(aws.lines[0]?.split("\n")[0]).toBe(
      '--ignore-alarms needs a reason: --ignore-alarms "<why this release may not be judged by its alarms>"',
    );
    expect(aws.created()).toHaveLength(0);
  });

  it("an unknown command, even one an object has (constructor), prints the usage and exits 2", async () => {
    for (const command of ["promote", "constructor", "toString"]) {
      harness();
      expect(await cli([command, "--stack", "prod"])).toBe(2);
      expect(aws.lines[0]?.split("\n")[0]).toBe("usage: pnpm release status --stack <stack>");
    }
  });

  it("refuses an unknown option, naming it", async () => {
    expect(await cli(["deploy", "--stack", "prod", "--task-defintion", "x"])).toBe(2);
    expect(aws.lines[0]?.split("\n")[0]).toBe("unknown option --task-defintion");
  });

  it("reports AWS errors as one line and exit code 1", async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    expect(await cli(["status", "--stack", "prod"])).toBe(1);
    expect(aws.lines).toEqual(["release status failed: User is not authorized"]);
  });
});
