import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from "@aws-sdk/client-codedeploy";
import { DescribeServicesCommand, ECSClient, ListTaskDefinitionsCommand } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { loadStackConfig, rawConfigFrom } from "../src/config";
import { runReleaseCli } from "../src/release/cli";
import { ROLLBACK_RULE } from "../src/release/rollback-target";
import { readStackFile } from "../src/stack-file";

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const clients = {
  codedeploy: new CodeDeployClient({ region: "sa-east-1" }),
  ecs: new ECSClient({ region: "sa-east-1" }),
};
const config = loadStackConfig("prod", rawConfigFrom(readStackFile("prod")));
const revision = (n: number) => `arn:aws:ecs:sa-east-1:123456789012:task-definition/comments-api-prod:${n}`;
let lines: string[];
const io = () => ({ log: (line: string) => lines.push(line), sleep: async () => {}, now: () => 0 });

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  lines = [];
  codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
  codedeploy.on(GetDeploymentTargetCommand).resolves({});
  ecs.on(DescribeServicesCommand).resolves({ services: [{ taskDefinition: revision(42) }] });
});

describe("pnpm release", () => {
  it("status: the running revision and deployments in progress", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-5"] });
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: "InProgress" } });
    expect(await runReleaseCli(["status", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(lines).toEqual([`service comments-api-prod runs ${revision(42)}`, "deployment d-5 InProgress"]);
  });

  it("deploy: needs a task definition", async () => {
    expect(await runReleaseCli(["deploy", "--stack", "prod"], config, clients, io())).toBe(2);
    expect(lines[0]?.split("\n")[0]).toBe("deploy needs --task-definition <arn>");
  });

  it("rollback: stops a deployment in progress with rollback", async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ["d-5"] });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { deploymentId: "d-5", autoRollbackEnabled: true },
    ]);
  });

  // Revisions are kept (skipDestroy), so the revision before the current one may be one that was
  // itself rolled back: 41 below failed. The target is the last revision a deployment shipped.
  const history = () => {
    codedeploy
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ["Succeeded"] })
      .resolvesOnce({ deployments: ["d-3"], nextToken: "page-2" })
      .resolves({ deployments: ["d-1"] });
    const shipped = (id: string, n: number, completeTime: string) => ({
      deploymentId: id,
      status: "Succeeded" as const,
      completeTime: new Date(completeTime),
      revision: {
        revisionType: "AppSpecContent" as const,
        appSpecContent: {
          content: JSON.stringify({
            Resources: [{ TargetService: { Properties: { TaskDefinition: revision(n) } } }],
          }),
        },
      },
    });
    codedeploy.on(BatchGetDeploymentsCommand).callsFake((input: { deploymentIds: string[] }) => ({
      deploymentsInfo: input.deploymentIds.map((id) =>
        id === "d-3"
          ? shipped("d-3", 42, "2026-11-30T12:00:00Z")
          : shipped("d-1", 40, "2026-11-20T09:30:00Z"),
      ),
    }));
  };

  it("rollback: otherwise redeploys the revision of the last deployment that Succeeded, skipping a failed one", async () => {
    history();
    ecs
      .on(ListTaskDefinitionsCommand)
      .resolves({ taskDefinitionArns: [revision(42), revision(41), revision(40)] });
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-6" });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: "d-6", status: "Succeeded" } });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(
      codedeploy
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
        nextToken: "page-2",
      },
    ]);
    const appSpec = JSON.parse(
      codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content ??
        "{}",
    );
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(revision(40));
    expect(appSpec.Hooks).toEqual([{ AfterAllowTestTraffic: "CodeDeployHook_prod_smoke" }]);
    expect(lines[0]).toBe(
      `rolling back comments-api-prod from ${revision(42)} to ${revision(40)}: the revision d-3 replaced (completed 2026-11-30T12:00:00.000Z); rule: ${ROLLBACK_RULE}`,
    );
    expect(lines.at(-1)).toBe("rolled back by d-6");
  });

  it("rollback: among several deployments that Succeeded, the newest with another revision, whatever order CodeDeploy lists them in", async () => {
    const shipped = (id: string, n: number, completeTime: string) => ({
      deploymentId: id,
      status: "Succeeded" as const,
      completeTime: new Date(completeTime),
      revision: {
        revisionType: "AppSpecContent" as const,
        appSpecContent: {
          content: JSON.stringify({
            Resources: [{ TargetService: { Properties: { TaskDefinition: revision(n) } } }],
          }),
        },
      },
    });
    // Listed neither oldest nor newest first; the current revision (42) is the newest of all.
    const history = [
      shipped("d-2", 39, "2026-11-12T10:00:00Z"),
      shipped("d-7", 42, "2026-11-30T12:00:00Z"),
      shipped("d-5", 41, "2026-11-25T08:00:00Z"),
      shipped("d-1", 38, "2026-11-10T10:00:00Z"),
      shipped("d-4", 40, "2026-11-20T09:30:00Z"),
    ];
    codedeploy
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ["Succeeded"] })
      .resolves({ deployments: history.map((h) => h.deploymentId) });
    codedeploy.on(BatchGetDeploymentsCommand).callsFake((input: { deploymentIds: string[] }) => ({
      deploymentsInfo: history.filter((h) => input.deploymentIds.includes(h.deploymentId)),
    }));
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-8" });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: "d-8", status: "Succeeded" } });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(0);
    expect(lines[0]).toBe(
      `rolling back comments-api-prod from ${revision(42)} to ${revision(41)}: the revision d-7 replaced (completed 2026-11-30T12:00:00.000Z); rule: ${ROLLBACK_RULE}`,
    );
  });

  it("rollback: after the first release, back to the revision ECS started, named by the deployment's description", async () => {
    // Revision 41 was started by ECS when the service was created; d-1 (release.ts) replaced it by 42.
    const first = {
      deploymentId: "d-1",
      status: "Succeeded" as const,
      description: `${revision(41)} -> ${revision(42)}`,
      completeTime: new Date("2026-12-01T10:00:00Z"),
      revision: {
        revisionType: "AppSpecContent" as const,
        appSpecContent: {
          content: JSON.stringify({
            Resources: [{ TargetService: { Properties: { TaskDefinition: revision(42) } } }],
          }),
        },
      },
    };
    codedeploy
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ["Succeeded"] })
      .resolves({ deployments: ["d-1"] });
    codedeploy
      .on(BatchGetDeploymentsCommand, { deploymentIds: ["d-1"] })
      .resolves({ deploymentsInfo: [first] });
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-2" });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: "d-2", status: "Succeeded" } });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(0);
    const appSpec = JSON.parse(
      codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content ??
        "{}",
    );
    expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe(revision(41));
    expect(lines[0]).toBe(
      `rolling back comments-api-prod from ${revision(42)} to ${revision(41)}: the revision d-1 replaced (completed 2026-12-01T10:00:00.000Z); rule: ${ROLLBACK_RULE}`,
    );
  });

  it("rollback --all-at-once: the same target in one step (CodeDeployDefault.ECSAllAtOnce); without it, the group's configuration", async () => {
    const deployed = async (argv: string[]) => {
      codedeploy.reset();
      lines = [];
      codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
      codedeploy.on(GetDeploymentTargetCommand).resolves({});
      history();
      codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-6" });
      codedeploy
        .on(GetDeploymentCommand)
        .resolves({ deploymentInfo: { deploymentId: "d-6", status: "Succeeded" } });
      expect(await runReleaseCli(argv, config, clients, io())).toBe(0);
      const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
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
    codedeploy
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ["Succeeded"] })
      .resolves({ deployments: [] });
    expect(await runReleaseCli(["rollback", "--stack", "prod"], config, clients, io())).toBe(1);
    expect(lines).toEqual([
      `no deployment of comments-api-prod/comments-api-prod Succeeded that replaced a revision other than ${revision(42)}: nothing to roll back to (rule: ${ROLLBACK_RULE})`,
    ]);
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it("deploy: passes the tasks' network configuration into the AppSpec", async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-7" });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: "d-7", status: "Succeeded" } });
    const argv = [
      "deploy",
      "--stack",
      "prod",
      "--task-definition",
      revision(43),
      "--subnets",
      "subnet-a,subnet-b",
      "--security-groups",
      "sg-1",
    ];
    expect(await runReleaseCli(argv, config, clients, io())).toBe(0);
    const appSpec = JSON.parse(
      codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content ??
        "{}",
    );
    expect(appSpec.Resources[0].TargetService.Properties.NetworkConfiguration).toEqual({
      AwsvpcConfiguration: {
        Subnets: ["subnet-a", "subnet-b"],
        SecurityGroups: ["sg-1"],
        AssignPublicIp: "DISABLED",
      },
    });
  });

  it('deploy --ignore-alarms "<reason>": the deployment runs without rollback alarms, and says why', async () => {
    codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: "d-8" });
    codedeploy
      .on(GetDeploymentCommand)
      .resolves({ deploymentInfo: { deploymentId: "d-8", status: "Succeeded" } });
    const argv = [
      "deploy",
      "--stack",
      "prod",
      "--task-definition",
      revision(43),
      "--ignore-alarms",
      "INC-7 hotfix",
    ];
    expect(await runReleaseCli(argv, config, clients, io())).toBe(0);
    const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]?.args[0].input;
    expect(input?.overrideAlarmConfiguration).toEqual({
      enabled: false,
      ignorePollAlarmFailure: false,
      alarms: [],
    });
    expect(input?.description).toMatch(/ \[rollback alarms ignored: INC-7 hotfix\]$/);
    expect(lines).toContain("+0s rollback alarms ignored for this deployment: INC-7 hotfix");
  });

  it("--ignore-alarms without a reason is refused", async () => {
    const argv = ["deploy", "--stack", "prod", "--task-definition", revision(43), "--ignore-alarms", " "];
    expect(await runReleaseCli(argv, config, clients, io())).toBe(2);
    expect(lines[0]?.split("\n")[0]).toBe(
      '--ignore-alarms needs a reason: --ignore-alarms "<why this release may not be judged by its alarms>"',
    );
    expect(codedeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  it("an unknown command, even one an object has (constructor), prints the usage and exits 2", async () => {
    for (const command of ["promote", "constructor", "toString"]) {
      lines = [];
      expect(await runReleaseCli([command, "--stack", "prod"], config, clients, io())).toBe(2);
      expect(lines[0]?.split("\n")[0]).toBe("usage: pnpm release status --stack <stack>");
    }
  });

  it("refuses an unknown option, naming it", async () => {
    expect(
      await runReleaseCli(["deploy", "--stack", "prod", "--task-defintion", "x"], config, clients, io()),
    ).toBe(2);
    expect(lines[0]?.split("\n")[0]).toBe("unknown option --task-defintion");
  });

  it("reports AWS errors as one line and exit code 1", async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    expect(await runReleaseCli(["status", "--stack", "prod"], config, clients, io())).toBe(1);
    expect(lines).toEqual(["release status failed: User is not authorized"]);
  });
});
